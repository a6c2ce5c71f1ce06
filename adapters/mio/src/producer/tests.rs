//! The read loop, with a read buffer far smaller than a response.
// The peer runs on a thread.
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

use bytes::BytesMut;
use kafka_sansio::protocol::api_versions::ApiVersion;
use kafka_sansio::protocol::frame::{FrameReader, encode_response, peek_correlation_id};
use kafka_sansio::protocol::versions::CLIENT_APIS;
use kafka_sansio::protocol::{ApiVersionsResponse, RequestHeader};
use mio::{Events, Poll};

use super::*;

/// Answers the first request on one connection (the client's ApiVersions)
/// with a whole response in one write, then holds the connection open
/// until the client closes it.
fn api_versions_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut frames = FrameReader::new(1 << 20);
        let mut buf = [0u8; 1024];
        let request = loop {
            let n = stream.read(&mut buf).expect("read");
            assert!(n > 0, "the client hung up before asking");
            frames.push(&buf[..n]);
            if let Some(frame) = frames.next_frame().expect("a frame") {
                break frame;
            }
        };
        let (_, version) = RequestHeader::peek_api(&request).expect("header");
        // The correlation id follows the api key and version.
        let correlation_id = peek_correlation_id(&request[4..]).expect("correlation id");
        let api_keys = CLIENT_APIS
            .iter()
            .map(|(key, range)| ApiVersion {
                api_key: key.0,
                min_version: range.min,
                max_version: range.max,
                ..ApiVersion::default()
            })
            .collect();
        let body = ApiVersionsResponse {
            api_keys,
            ..ApiVersionsResponse::default()
        };
        let mut response = BytesMut::new();
        encode_response(&mut response, correlation_id, version, &body).expect("encode");
        assert!(response.len() > 32, "longer than the read buffer below");
        stream.write_all(&response).expect("write");
        while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    });
    port
}

#[test]
fn reads_until_the_socket_would_block() {
    let port = api_versions_server();
    let mut poll = Poll::new().expect("poll");
    let config = ProducerConfig::from_properties([(
        "bootstrap.servers",
        format!("127.0.0.1:{port}").as_str(),
    )])
    .expect("config");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let mut producer = MioProducer::builder(config)
        .on_event(move |e| sink.lock().unwrap().push(e.clone()))
        .build(poll.registry(), TokenRange::new(Token(0), 4))
        .expect("producer");
    // The whole response comes in one edge-triggered event; reading 32
    // bytes once would leave the rest unread for good.
    producer.buf = vec![0; 32].into_boxed_slice();
    let ready = |seen: &Mutex<Vec<Event>>| {
        seen.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::ConnectionReady { .. }))
    };
    let mut events = Events::with_capacity(16);
    let until = Instant::now() + Duration::from_secs(3);
    while !ready(&seen) {
        assert!(Instant::now() < until, "the response was not read whole");
        // Nap so that the response lands before the poll reports it.
        thread::sleep(Duration::from_millis(20));
        poll.poll(&mut events, Some(Duration::from_millis(20)))
            .expect("poll");
        for event in &events {
            assert!(producer.handle_event(event));
        }
        producer.handle_timeout();
    }
}
