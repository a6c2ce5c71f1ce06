//! The end-to-end scenarios through `kafka-sansio-mio`, in a mio loop run
//! by the test thread.

kafka_sansio_e2e::scenarios!(kafka_sansio_e2e::mio_client::MioLoop);
