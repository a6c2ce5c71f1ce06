//! The input format of the state-machine fuzz target: a few bytes of
//! setup, then a sequence of operations, each an opcode byte and a fixed
//! number of argument bytes (plus a length-prefixed payload for the ones
//! that carry raw bytes). Decoding never fails: a short input ends the
//! sequence, and every byte value means something. [`Op::encode`] writes
//! the same format, for hand-built seeds.

/// The most operations one input runs; the rest of a longer input is
/// ignored, so a single run stays short.
pub const MAX_OPS: usize = 300;

/// The producer and cluster settings, from the first bytes of the input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Setup {
    /// Idempotence, acks, in-flight limit, partitioner switches.
    pub flags: u8,
    /// `linger.ms` and `batch.size` choices.
    pub batching: u8,
    /// `buffer.memory` and `max.request.size` choices.
    pub limits: u8,
    /// Request and delivery timeouts, retries, backoffs.
    pub timing: u8,
    /// Bootstrap servers, response size limit, the cluster's API caps.
    pub network: u8,
}

impl Setup {
    /// The number of bytes a setup takes.
    pub const LEN: usize = 5;

    fn decode(input: &mut Cursor<'_>) -> Self {
        Setup {
            flags: input.byte(),
            batching: input.byte(),
            limits: input.byte(),
            timing: input.byte(),
            network: input.byte(),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.flags,
            self.batching,
            self.limits,
            self.timing,
            self.network,
        ]);
    }
}

/// A fault injected into the simulated cluster. Broker, topic and
/// partition bytes are reduced modulo what exists (a few values name
/// things that do not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Crash a broker.
    Crash { broker: u8 },
    /// Restart a crashed broker.
    Restart { broker: u8 },
    /// Move a partition's leadership.
    MoveLeader {
        topic: u8,
        partition: u8,
        broker: u8,
    },
    /// Reset a broker's connections.
    DropConnections { broker: u8 },
    /// Make a broker refuse (odd) or accept (even) new connections.
    Refuse { broker: u8, on: u8 },
    /// Hold a broker's responses for a while (a step of the time table;
    /// the last step holds them forever).
    Delay { broker: u8, step: u8 },
    /// Apply the next produce requests but lose their responses.
    LoseAfterAppend { broker: u8, count: u8 },
    /// Answer the next produce attempts of a partition with an error.
    Inject {
        topic: u8,
        partition: u8,
        code: u8,
        times: u8,
    },
    /// Answer the next InitProducerId requests with an error.
    InjectInitProducerId { code: u8, times: u8 },
    /// Ask for a quota pause in every produce response.
    Throttle { broker: u8, step: u8 },
}

/// What a fake broker writes on a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FakeReply {
    /// A well-formed answer to the oldest request not yet answered on the
    /// connection, with fields (error code, numbers, leaders) taken from
    /// the three bytes.
    Answer { error: u8, a: u8, b: u8 },
    /// A frame with the oldest unanswered request's correlation id plus
    /// `skew` (0: the right one), followed by `body`.
    Frame { skew: u8, body: Vec<u8> },
    /// A size prefix of `declared` (big-endian) followed by `body`: a
    /// frame that is truncated, oversized or negative.
    SizePrefix { declared: u32, body: Vec<u8> },
}

/// One step of a fuzz run. Connection bytes pick among the open (or, for
/// [`Op::Feed`], all ever opened) connections, modulo their number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `send` a record: topic, partition, key and value size choices.
    Send {
        topic: u8,
        partition: u8,
        key: u8,
        size: u8,
    },
    /// Let time pass by a step of the time table, then `handle_timeout`.
    Advance { step: u8 },
    /// Carry out everything pending right now: accept connections on the
    /// cluster, deliver every byte both ways and every close.
    Pump,
    /// Run like a network would for a step of the time table: pump, then
    /// jump to the next deadline, until the time is up.
    RunFor { step: u8 },
    /// Complete a pending connection attempt, with the simulated cluster
    /// (even) or a fake broker (odd) at the other end.
    Accept { conn: u8, fake: u8 },
    /// Fail a pending connection attempt.
    FailConnect { conn: u8 },
    /// Deliver up to `len` bytes the producer wrote to the cluster (0:
    /// all of them).
    ToCluster { conn: u8, len: u8 },
    /// Deliver up to `len` bytes of the cluster's answers to the producer
    /// (0: all), or the cluster's close once nothing is left.
    ToProducer { conn: u8, len: u8 },
    /// A fake broker's answer on an open connection.
    Fake { conn: u8, reply: FakeReply },
    /// Raw bytes on any connection ever opened, including closed ones.
    Feed { conn: u8, data: Vec<u8> },
    /// The connection breaks (both sides see it closed).
    Drop { conn: u8 },
    /// A cluster fault.
    Fault(Fault),
    /// `flush`.
    Flush,
    /// `close` with a deadline a step of the time table away.
    Close { step: u8 },
}

const SEND: u8 = 0;
const ADVANCE: u8 = 1;
const PUMP: u8 = 2;
const RUN_FOR: u8 = 3;
const ACCEPT: u8 = 4;
const FAIL_CONNECT: u8 = 5;
const TO_CLUSTER: u8 = 6;
const TO_PRODUCER: u8 = 7;
const FAKE: u8 = 8;
const FEED: u8 = 9;
const DROP: u8 = 10;
const FAULT: u8 = 11;
const FLUSH: u8 = 12;
const CLOSE: u8 = 13;
/// How many opcodes there are; an opcode byte is taken modulo this, with
/// the extra values meaning [`Op::Send`] and [`Op::RunFor`], the two that
/// make a run go somewhere.
const OPCODES: u8 = 16;

impl Op {
    /// Writes the operation in the format [`decode`] reads.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Op::Send {
                topic,
                partition,
                key,
                size,
            } => out.extend_from_slice(&[SEND, *topic, *partition, *key, *size]),
            Op::Advance { step } => out.extend_from_slice(&[ADVANCE, *step]),
            Op::Pump => out.push(PUMP),
            Op::RunFor { step } => out.extend_from_slice(&[RUN_FOR, *step]),
            Op::Accept { conn, fake } => out.extend_from_slice(&[ACCEPT, *conn, *fake]),
            Op::FailConnect { conn } => out.extend_from_slice(&[FAIL_CONNECT, *conn]),
            Op::ToCluster { conn, len } => out.extend_from_slice(&[TO_CLUSTER, *conn, *len]),
            Op::ToProducer { conn, len } => out.extend_from_slice(&[TO_PRODUCER, *conn, *len]),
            Op::Fake { conn, reply } => {
                out.extend_from_slice(&[FAKE, *conn]);
                match reply {
                    FakeReply::Answer { error, a, b } => {
                        out.extend_from_slice(&[0, *error, *a, *b])
                    }
                    FakeReply::Frame { skew, body } => {
                        out.extend_from_slice(&[1, *skew]);
                        put_payload(out, body);
                    }
                    FakeReply::SizePrefix { declared, body } => {
                        out.push(2);
                        out.extend_from_slice(&declared.to_be_bytes());
                        put_payload(out, body);
                    }
                }
            }
            Op::Feed { conn, data } => {
                out.extend_from_slice(&[FEED, *conn]);
                put_payload(out, data);
            }
            Op::Drop { conn } => out.extend_from_slice(&[DROP, *conn]),
            Op::Fault(fault) => {
                out.push(FAULT);
                let args: [u8; 5] = match *fault {
                    Fault::Crash { broker } => [0, broker, 0, 0, 0],
                    Fault::Restart { broker } => [1, broker, 0, 0, 0],
                    Fault::MoveLeader {
                        topic,
                        partition,
                        broker,
                    } => [2, topic, partition, broker, 0],
                    Fault::DropConnections { broker } => [3, broker, 0, 0, 0],
                    Fault::Refuse { broker, on } => [4, broker, on, 0, 0],
                    Fault::Delay { broker, step } => [5, broker, step, 0, 0],
                    Fault::LoseAfterAppend { broker, count } => [6, broker, count, 0, 0],
                    Fault::Inject {
                        topic,
                        partition,
                        code,
                        times,
                    } => [7, topic, partition, code, times],
                    Fault::InjectInitProducerId { code, times } => [8, code, times, 0, 0],
                    Fault::Throttle { broker, step } => [9, broker, step, 0, 0],
                };
                out.extend_from_slice(&args);
            }
            Op::Flush => out.push(FLUSH),
            Op::Close { step } => out.extend_from_slice(&[CLOSE, *step]),
        }
    }

    fn decode(input: &mut Cursor<'_>) -> Op {
        match input.byte() % OPCODES {
            ADVANCE => Op::Advance { step: input.byte() },
            PUMP => Op::Pump,
            RUN_FOR | 15 => Op::RunFor { step: input.byte() },
            ACCEPT => Op::Accept {
                conn: input.byte(),
                fake: input.byte(),
            },
            FAIL_CONNECT => Op::FailConnect { conn: input.byte() },
            TO_CLUSTER => Op::ToCluster {
                conn: input.byte(),
                len: input.byte(),
            },
            TO_PRODUCER => Op::ToProducer {
                conn: input.byte(),
                len: input.byte(),
            },
            FAKE => {
                let conn = input.byte();
                let reply = match input.byte() % 3 {
                    0 => FakeReply::Answer {
                        error: input.byte(),
                        a: input.byte(),
                        b: input.byte(),
                    },
                    1 => FakeReply::Frame {
                        skew: input.byte(),
                        body: input.payload(),
                    },
                    _ => FakeReply::SizePrefix {
                        declared: u32::from_be_bytes([
                            input.byte(),
                            input.byte(),
                            input.byte(),
                            input.byte(),
                        ]),
                        body: input.payload(),
                    },
                };
                Op::Fake { conn, reply }
            }
            FEED => Op::Feed {
                conn: input.byte(),
                data: input.payload(),
            },
            DROP => Op::Drop { conn: input.byte() },
            FAULT => {
                let kind = input.byte();
                let [a, b, c, d] = [input.byte(), input.byte(), input.byte(), input.byte()];
                Op::Fault(match kind % 10 {
                    0 => Fault::Crash { broker: a },
                    1 => Fault::Restart { broker: a },
                    2 => Fault::MoveLeader {
                        topic: a,
                        partition: b,
                        broker: c,
                    },
                    3 => Fault::DropConnections { broker: a },
                    4 => Fault::Refuse { broker: a, on: b },
                    5 => Fault::Delay { broker: a, step: b },
                    6 => Fault::LoseAfterAppend {
                        broker: a,
                        count: b,
                    },
                    7 => Fault::Inject {
                        topic: a,
                        partition: b,
                        code: c,
                        times: d,
                    },
                    8 => Fault::InjectInitProducerId { code: a, times: b },
                    _ => Fault::Throttle { broker: a, step: b },
                })
            }
            FLUSH => Op::Flush,
            CLOSE => Op::Close { step: input.byte() },
            // SEND, and the spare opcode 14.
            _ => Op::Send {
                topic: input.byte(),
                partition: input.byte(),
                key: input.byte(),
                size: input.byte(),
            },
        }
    }
}

fn put_payload(out: &mut Vec<u8>, data: &[u8]) {
    let len = data.len().min(usize::from(u8::MAX));
    out.push(len as u8);
    out.extend_from_slice(&data[..len]);
}

/// Decodes a whole input: the setup, then at most [`MAX_OPS`] operations.
pub fn decode(data: &[u8]) -> (Setup, Vec<Op>) {
    let mut input = Cursor(data);
    let setup = Setup::decode(&mut input);
    let mut ops = Vec::new();
    while !input.0.is_empty() && ops.len() < MAX_OPS {
        ops.push(Op::decode(&mut input));
    }
    (setup, ops)
}

/// Encodes a setup and operations into an input [`decode`] reads back.
pub fn encode(setup: &Setup, ops: &[Op]) -> Vec<u8> {
    let mut out = Vec::new();
    setup.encode(&mut out);
    for op in ops {
        op.encode(&mut out);
    }
    out
}

/// Reads bytes off the front of the input; past its end every byte is 0.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A length byte, then that many bytes (fewer at the end of input).
    fn payload(&mut self) -> Vec<u8> {
        let len = usize::from(self.byte()).min(self.0.len());
        let (data, rest) = self.0.split_at(len);
        self.0 = rest;
        data.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_reads_back_as_written() {
        let ops = vec![
            Op::Send {
                topic: 1,
                partition: 2,
                key: 3,
                size: 4,
            },
            Op::Advance { step: 5 },
            Op::Pump,
            Op::RunFor { step: 6 },
            Op::Accept { conn: 1, fake: 1 },
            Op::FailConnect { conn: 2 },
            Op::ToCluster { conn: 0, len: 9 },
            Op::ToProducer { conn: 0, len: 0 },
            Op::Fake {
                conn: 3,
                reply: FakeReply::Answer {
                    error: 7,
                    a: 8,
                    b: 9,
                },
            },
            Op::Fake {
                conn: 3,
                reply: FakeReply::Frame {
                    skew: 1,
                    body: vec![1, 2, 3],
                },
            },
            Op::Fake {
                conn: 3,
                reply: FakeReply::SizePrefix {
                    declared: 0x7fff_ffff,
                    body: vec![],
                },
            },
            Op::Feed {
                conn: 4,
                data: vec![0xff; 10],
            },
            Op::Drop { conn: 5 },
            Op::Fault(Fault::MoveLeader {
                topic: 0,
                partition: 1,
                broker: 2,
            }),
            Op::Fault(Fault::Inject {
                topic: 1,
                partition: 0,
                code: 4,
                times: 2,
            }),
            Op::Fault(Fault::Throttle { broker: 1, step: 2 }),
            Op::Flush,
            Op::Close { step: 3 },
        ];
        let setup = Setup {
            flags: 1,
            batching: 2,
            limits: 3,
            timing: 4,
            network: 5,
        };
        assert_eq!(decode(&encode(&setup, &ops)), (setup, ops));
    }
}
