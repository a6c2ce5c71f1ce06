/*
 * perf.c - librdkafka producer benchmark with the command line and the output of Apache
 * Kafka's org.apache.kafka.tools.ProducerPerformance, so benches/compare/run.sh can run it
 * next to the Java producer, franz-go and kafka-sansio with identical settings and parse all
 * of them with one parser.
 *
 *   perf --topic T --num-records N --record-size BYTES --throughput RECORDS_PER_SEC|-1
 *        --producer-props k=v ... [--print-metrics]
 *
 * Like ProducerPerformance: null keys, the default partitioner, a payload of random 'A'..'Z'
 * regenerated for every record, a window line every 5 s, latency per record from produce()
 * to the delivery report (carried as the message opaque: the send time in microseconds, so
 * no allocation per record), at most 500 000 latency samples, and the same final line.
 *
 * Producer properties are librdkafka's own names (acks, enable.idempotence, linger.ms,
 * batch.size, compression.type, max.in.flight.requests.per.connection and
 * bootstrap.servers are spelled as in Java), except buffer.memory, the Java producer's
 * bound on buffered bytes, which maps to queue.buffering.max.kbytes (with the message-count
 * bound raised so that bytes are what binds, as in Java).
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORTING_INTERVAL_US 5000000LL
#define MAX_SAMPLES 500000LL

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ProducerPerformance.Stats, with latencies kept in microseconds. */
struct stats {
    int64_t start, window_start;
    int64_t count, bytes, total_latency, max_latency;
    int64_t window_count, window_bytes, window_total_latency, window_max_latency;
    int64_t sampling, index, iteration;
    int64_t *latencies;
    int64_t errors;
};

static struct stats stats;

static void stats_init(int64_t num_records) {
    stats.start = stats.window_start = now_us();
    stats.sampling = num_records / (num_records < MAX_SAMPLES ? num_records : MAX_SAMPLES);
    if (stats.sampling < 1) stats.sampling = 1;
    stats.latencies = calloc((size_t)(num_records / stats.sampling + 1), sizeof(int64_t));
    if (!stats.latencies) {
        perror("calloc");
        exit(1);
    }
}

static void print_window(int64_t now) {
    double elapsed = (double)(now - stats.window_start);
    double recs = 1e6 * (double)stats.window_count / elapsed;
    double mib = 1e6 * (double)stats.window_bytes / elapsed / (1024.0 * 1024.0);
    printf("%" PRId64 " records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, "
           "%.1f ms max latency.\n",
           stats.window_count, recs, mib,
           stats.window_count ? (double)stats.window_total_latency / stats.window_count / 1000.0 : 0.0,
           (double)stats.window_max_latency / 1000.0);
    fflush(stdout);
    stats.window_start = now;
    stats.window_count = stats.window_bytes = 0;
    stats.window_total_latency = stats.window_max_latency = 0;
}

static void stats_record(int64_t latency, int64_t bytes, int64_t now) {
    stats.count++;
    stats.bytes += bytes;
    stats.total_latency += latency;
    if (latency > stats.max_latency) stats.max_latency = latency;
    stats.window_count++;
    stats.window_bytes += bytes;
    stats.window_total_latency += latency;
    if (latency > stats.window_max_latency) stats.window_max_latency = latency;
    if (stats.iteration % stats.sampling == 0) stats.latencies[stats.index++] = latency;
    stats.iteration++;
    if (now - stats.window_start >= REPORTING_INTERVAL_US) print_window(now);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void print_total(void) {
    double elapsed = (double)(now_us() - stats.start);
    double recs = 1e6 * (double)stats.count / elapsed;
    double mib = 1e6 * (double)stats.bytes / elapsed / (1024.0 * 1024.0);
    int64_t size = stats.index;
    int64_t p[4] = {0, 0, 0, 0};
    const double q[4] = {0.5, 0.95, 0.99, 0.999};
    if (size > 0) {
        qsort(stats.latencies, (size_t)size, sizeof(int64_t), cmp_i64);
        for (int i = 0; i < 4; i++) p[i] = stats.latencies[(int64_t)(q[i] * (double)size)] / 1000;
    }
    printf("%" PRId64 " records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, "
           "%.2f ms max latency, %" PRId64 " ms 50th, %" PRId64 " ms 95th, %" PRId64
           " ms 99th, %" PRId64 " ms 99.9th.\n",
           stats.count, recs, mib,
           stats.count ? (double)stats.total_latency / stats.count / 1000.0 : 0.0,
           (double)stats.max_latency / 1000.0, p[0], p[1], p[2], p[3]);
    fflush(stdout);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    (void)opaque;
    if (msg->err) {
        if (stats.errors++ < 10)
            fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(msg->err));
        return;
    }
    int64_t sent = (int64_t)(intptr_t)msg->_private;
    /* The reports of one batch come together (the same partition, consecutive offsets): one
     * clock read per batch, as in the Rust and Go tools. */
    static int32_t last_partition = -1;
    static int64_t last_offset = -1, last_now;
    if (msg->partition != last_partition || msg->offset < 0 || msg->offset != last_offset + 1)
        last_now = now_us();
    last_partition = msg->partition;
    last_offset = msg->offset;
    stats_record(last_now - sent, (int64_t)msg->len, last_now);
}

static void set_prop(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "perf: producer property %s=%s: %s\n", key, value, err);
        exit(2);
    }
}

static void apply_prop(rd_kafka_conf_t *conf, const char *kv) {
    const char *eq = strchr(kv, '=');
    if (!eq) {
        fprintf(stderr, "perf: producer property must be key=value, got '%s'\n", kv);
        exit(2);
    }
    char key[256];
    size_t klen = (size_t)(eq - kv);
    if (klen >= sizeof key) klen = sizeof key - 1;
    memcpy(key, kv, klen);
    key[klen] = 0;
    const char *value = eq + 1;
    if (strcmp(key, "buffer.memory") == 0) {
        char kb[32];
        snprintf(kb, sizeof kb, "%lld", strtoll(value, NULL, 10) / 1024);
        set_prop(conf, "queue.buffering.max.kbytes", kb);
        set_prop(conf, "queue.buffering.max.messages", "10000000");
    } else {
        set_prop(conf, key, value);
    }
}

/* Eight random letters 'A'..'Z' from one step of wyrand (a Weyl sequence mixed by one
 * 64x64->128-bit multiply): byte b of the step becomes 'A' + b * 26 / 256, even and odd
 * bytes scaled in separate 16-bit lanes, where a product cannot carry into its
 * neighbour. The same generator as the Rust and Go tools, so every tool spends the same
 * on its payloads. */
static void eight_letters(uint64_t *state, char out[8]) {
    const uint64_t even = 0x00FF00FF00FF00FFULL;
    *state += 0xA0761D6478BD642FULL;
    unsigned __int128 wide = (unsigned __int128)*state * (*state ^ 0xE7037ED1A0B428DBULL);
    uint64_t bits = (uint64_t)(wide >> 64) ^ (uint64_t)wide;
    uint64_t letters = ((((bits & even) * 26) >> 8) & even) | ((((bits >> 8) & even) * 26) & ~even);
    letters += 0x4141414141414141ULL;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    letters = __builtin_bswap64(letters); /* byte 0 is the lowest, as in the other tools */
#endif
    memcpy(out, &letters, 8);
}

static void usage(void) {
    fprintf(stderr, "usage: perf --topic T --num-records N --record-size BYTES "
                    "--throughput N|-1 --producer-props k=v ... [--print-metrics]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *topic = NULL;
    int64_t num_records = -1, record_size = -1;
    double throughput = 0;
    int have_throughput = 0;
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set_prop(conf, "client.id", "perf-producer-client");

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--topic") == 0 && i + 1 < argc) {
            topic = argv[++i];
        } else if (strcmp(a, "--num-records") == 0 && i + 1 < argc) {
            num_records = strtoll(argv[++i], NULL, 10);
        } else if (strcmp(a, "--record-size") == 0 && i + 1 < argc) {
            record_size = strtoll(argv[++i], NULL, 10);
        } else if (strcmp(a, "--throughput") == 0 && i + 1 < argc) {
            throughput = strtod(argv[++i], NULL);
            have_throughput = 1;
        } else if (strcmp(a, "--bootstrap-server") == 0 && i + 1 < argc) {
            set_prop(conf, "bootstrap.servers", argv[++i]);
        } else if (strcmp(a, "--producer-props") == 0 || strcmp(a, "--command-property") == 0) {
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) apply_prop(conf, argv[++i]);
        } else if (strcmp(a, "--print-metrics") == 0) {
            /* accepted for compatibility; librdkafka's statistics are not printed */
        } else {
            fprintf(stderr, "perf: unknown or incomplete argument '%s'\n", a);
            usage();
        }
    }
    if (!topic || num_records <= 0 || record_size <= 0 || !have_throughput) usage();

    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "perf: rd_kafka_new: %s\n", err);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);

    char *payload = malloc((size_t)record_size);
    uint64_t rng = 0x9E3779B97F4A7C15ULL; /* random 'A'..'Z' as in Java's tool */
    stats_init(num_records);
    int64_t send_start = now_us();

    for (int64_t i = 0; i < num_records; i++) {
        /* Eight letters a step: the same generator as the Rust and Go tools (see
         * eight_letters). */
        for (int64_t j = 0; j < record_size; j += 8) {
            char letters[8];
            eight_letters(&rng, letters);
            memcpy(payload + j, letters, (size_t)(record_size - j < 8 ? record_size - j : 8));
        }
        int64_t sent = now_us();
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload,
                                (size_t)record_size, NULL, 0, (void *)(intptr_t)sent) == -1) {
            rd_kafka_resp_err_t e = rd_kafka_last_error();
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "perf: produce: %s\n", rd_kafka_err2str(e));
                return 1;
            }
            rd_kafka_poll(rk, 10); /* buffer full: serve delivery reports, then retry */
        }
        rd_kafka_poll(rk, 0);
        if (throughput > 0) { /* simple throttle: record i is due at start + i / throughput */
            int64_t due = send_start + (int64_t)((double)(i + 1) * 1e6 / throughput);
            int64_t wait = due - now_us();
            if (wait > 0) {
                struct timespec ts = {wait / 1000000, (wait % 1000000) * 1000};
                nanosleep(&ts, NULL);
            }
        }
    }
    rd_kafka_flush(rk, 10 * 60 * 1000);
    print_total();
    int left = rd_kafka_outq_len(rk);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(payload);
    if (stats.errors || left) {
        fprintf(stderr, "perf: %" PRId64 " delivery errors, %d records undelivered\n", stats.errors, left);
        return 1;
    }
    return 0;
}
