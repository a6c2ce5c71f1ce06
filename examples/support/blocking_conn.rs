//! A minimal blocking connection to one broker, one request at a time, for
//! the examples and the real-broker tests. It only moves frames: the codec
//! does the rest. (The producer's adapters, not this, are what applications
//! use.)
#![allow(clippy::disallowed_types)] // this is the I/O side: it owns a socket
#![allow(dead_code)]

use std::error::Error;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::BytesMut;
use kafka_sansio::protocol::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use kafka_sansio::protocol::frame::{decode_response, encode_request};
use kafka_sansio::protocol::versions::{CLIENT_APIS, NegotiatedVersions, negotiate};
use kafka_sansio::protocol::{ApiMessage, FrameReader, Request};

/// The largest response frame accepted.
const MAX_FRAME: usize = 64 << 20;

/// One TCP connection to a broker, with the versions negotiated on it.
pub struct Conn {
    stream: TcpStream,
    frames: FrameReader,
    next_correlation_id: i32,
    /// The versions agreed with this broker, per API.
    pub versions: NegotiatedVersions,
    /// What the broker answered to ApiVersions.
    pub api_versions: ApiVersionsResponse,
}

impl Conn {
    /// Connects to `addr` and negotiates versions with ApiVersions (v3,
    /// falling back as the broker asks).
    pub fn connect(addr: &str) -> Result<Conn, Box<dyn Error>> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        let mut conn = Conn {
            stream,
            frames: FrameReader::new(MAX_FRAME),
            next_correlation_id: 0,
            versions: NegotiatedVersions::default(),
            api_versions: ApiVersionsResponse::default(),
        };
        let hello = ApiVersionsRequest {
            client_software_name: "kafka-sansio".into(),
            client_software_version: env!("CARGO_PKG_VERSION").into(),
            ..ApiVersionsRequest::default()
        };
        let mut version = ApiVersionsRequest::VERSIONS.max;
        loop {
            let frame = conn.round_trip(version, &hello)?;
            let (_, answer, _) = ApiVersionsResponse::decode_frame_with_fallback(frame, version)?;
            match answer.retry_version(version) {
                Some(lower) => version = lower,
                None => {
                    conn.versions = negotiate(&answer, CLIENT_APIS)?;
                    conn.api_versions = answer;
                    return Ok(conn);
                }
            }
        }
    }

    /// The version negotiated for `R`'s API.
    pub fn version<R: Request>(&self) -> i16 {
        self.versions
            .get(R::API_KEY)
            .expect("every API in CLIENT_APIS is negotiated")
    }

    /// Sends `body` in the negotiated version and waits for its response.
    pub fn call<R: Request>(&mut self, body: &R) -> Result<R::Response, Box<dyn Error>> {
        self.call_at(self.version::<R>(), body)
    }

    /// Sends `body` in `version` and waits for its response.
    pub fn call_at<R: Request>(
        &mut self,
        version: i16,
        body: &R,
    ) -> Result<R::Response, Box<dyn Error>> {
        let frame = self.round_trip(version, body)?;
        let (_, response) = decode_response::<R::Response>(frame, version)?;
        Ok(response)
    }

    fn write<R: Request>(&mut self, version: i16, body: &R) -> Result<i32, Box<dyn Error>> {
        let id = self.next_correlation_id;
        self.next_correlation_id += 1;
        let mut buf = BytesMut::new();
        encode_request(&mut buf, id, Some("kafka-sansio"), version, body)?;
        self.stream.write_all(&buf)?;
        Ok(id)
    }

    fn round_trip<R: Request>(
        &mut self,
        version: i16,
        body: &R,
    ) -> Result<bytes::Bytes, Box<dyn Error>> {
        let id = self.write(version, body)?;
        let mut chunk = [0u8; 64 * 1024];
        loop {
            if let Some(frame) = self.frames.next_frame()? {
                let got = kafka_sansio::protocol::frame::peek_correlation_id(&frame);
                if got != Some(id) {
                    return Err(format!("expected correlation id {id}, got {got:?}").into());
                }
                return Ok(frame);
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err("the broker closed the connection".into());
            }
            self.frames.push(&chunk[..n]);
        }
    }
}
