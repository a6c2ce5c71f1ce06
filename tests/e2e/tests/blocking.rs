//! The end-to-end scenarios through `kafka-sansio-blocking`.

use std::time::Duration;

use kafka_sansio::producer::{
    DeliveryReport, PartitionInfo, ProducerConfig, ProducerRecord, RecordId,
};
use kafka_sansio_blocking::{Producer, Receipt};
use kafka_sansio_e2e::{Client, EventLog};

struct Blocking {
    producer: Producer,
    receipts: Vec<Receipt>,
}

impl Client for Blocking {
    const NAME: &'static str = "blocking";

    fn start(config: ProducerConfig, events: EventLog) -> Self {
        let producer = Producer::builder(config)
            .on_event(events.listener())
            .build()
            .expect("producer");
        Blocking {
            producer,
            receipts: Vec::new(),
        }
    }

    fn send(&mut self, record: ProducerRecord) -> RecordId {
        let receipt = self.producer.send(record).expect("accepted");
        let id = receipt.id();
        self.receipts.push(receipt);
        id
    }

    fn idle(&mut self, d: Duration) {
        std::thread::sleep(d);
    }

    fn partitions(&self, topic: &str) -> Option<Vec<PartitionInfo>> {
        self.producer.partitions(topic)
    }

    fn finish(self, limit: Duration) -> Vec<DeliveryReport> {
        let reports = self
            .receipts
            .into_iter()
            .map(|r| {
                r.wait_timeout(limit)
                    .unwrap_or_else(|r| panic!("no report for {:?} within {limit:?}", r.id()))
            })
            .collect();
        self.producer.close(limit);
        reports
    }
}

kafka_sansio_e2e::scenarios!(Blocking);
