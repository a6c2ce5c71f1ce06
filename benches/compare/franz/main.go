// Command perf is a franz-go producer benchmark with the command line and the output of
// Apache Kafka's org.apache.kafka.tools.ProducerPerformance, so benches/compare/run.sh can
// run it next to the Java producer, librdkafka and kafka-sansio with identical settings and
// parse all of them with one parser.
//
//	perf --topic T --num-records N --record-size BYTES --throughput RECORDS_PER_SEC|-1 \
//	     --producer-props k=v ... [--print-metrics]
//
// Like ProducerPerformance: null keys, the client's default partitioner, a payload of random
// 'A'..'Z' regenerated for every record, a window line every 5 s, latency per record from
// Produce to its promise, at most 500 000 latency samples, and the same final line.
//
// Producer properties use the Java producer's names and are mapped to kgo options (see
// producerOpts); an unknown name is an error rather than silently ignored.
package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	reportingInterval = 5 * time.Second
	maxSamples        = 500000
)

// stats is ProducerPerformance.Stats, with latencies kept in microseconds. franz-go calls
// all promises serially, so it needs no lock.
type stats struct {
	start, windowStart                               time.Time
	count, bytes, totalLatency, maxLatency           int64
	windowCount, windowBytes, windowTotal, windowMax int64
	sampling, index, iteration                       int64
	latencies                                        []int64
	errors                                           int64
}

func newStats(numRecords int64) *stats {
	sampling := numRecords / min(numRecords, maxSamples)
	now := time.Now()
	return &stats{start: now, windowStart: now, sampling: sampling,
		latencies: make([]int64, numRecords/sampling+1)}
}

func (s *stats) record(latency, bytes int64, now time.Time) {
	s.count++
	s.bytes += bytes
	s.totalLatency += latency
	s.maxLatency = max(s.maxLatency, latency)
	s.windowCount++
	s.windowBytes += bytes
	s.windowTotal += latency
	s.windowMax = max(s.windowMax, latency)
	if s.iteration%s.sampling == 0 {
		s.latencies[s.index] = latency
		s.index++
	}
	s.iteration++
	if now.Sub(s.windowStart) >= reportingInterval {
		s.printWindow(now)
	}
}

// batchClock reads the clock once per batch of reports: the records of one batch are reported
// together (the same partition, consecutive offsets). The Rust and C tools do the same.
type batchClock struct {
	partition int32
	offset    int64
	last      time.Time
}

func (c *batchClock) now(r *kgo.Record) time.Time {
	if r.Partition != c.partition || r.Offset < 0 || r.Offset != c.offset+1 {
		c.last = time.Now()
	}
	c.partition, c.offset = r.Partition, r.Offset
	return c.last
}

func (s *stats) printWindow(now time.Time) {
	elapsed := now.Sub(s.windowStart).Seconds()
	avg := 0.0
	if s.windowCount > 0 {
		avg = float64(s.windowTotal) / float64(s.windowCount) / 1000
	}
	fmt.Printf("%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
		s.windowCount, float64(s.windowCount)/elapsed, float64(s.windowBytes)/elapsed/(1024*1024),
		avg, float64(s.windowMax)/1000)
	s.windowStart = now
	s.windowCount, s.windowBytes, s.windowTotal, s.windowMax = 0, 0, 0, 0
}

func (s *stats) printTotal() {
	elapsed := time.Since(s.start).Seconds()
	samples := s.latencies[:s.index]
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	pct := func(q float64) int64 {
		if len(samples) == 0 {
			return 0
		}
		return samples[int(q*float64(len(samples)))] / 1000
	}
	avg := 0.0
	if s.count > 0 {
		avg = float64(s.totalLatency) / float64(s.count) / 1000
	}
	fmt.Printf("%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "+
		"%d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		s.count, float64(s.count)/elapsed, float64(s.bytes)/elapsed/(1024*1024), avg,
		float64(s.maxLatency)/1000, pct(0.5), pct(0.95), pct(0.99), pct(0.999))
}

// producerOpts maps Java producer property names to kgo options.
func producerOpts(props []string) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.ClientID("perf-producer-client")}
	idempotent, inflight := true, int64(0)
	for _, kv := range props {
		key, value, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("producer property must be key=value, got %q", kv)
		}
		num := func() (int64, error) { return strconv.ParseInt(value, 10, 64) }
		switch key {
		case "bootstrap.servers":
			opts = append(opts, kgo.SeedBrokers(strings.Split(value, ",")...))
		case "acks":
			switch value {
			case "all", "-1":
				opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
			case "1":
				opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
				idempotent = false
			case "0":
				opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
				idempotent = false
			default:
				return nil, fmt.Errorf("acks=%s: expected all, -1, 1 or 0", value)
			}
		case "enable.idempotence":
			if value == "false" {
				idempotent = false
			} else if value != "true" {
				return nil, fmt.Errorf("enable.idempotence=%s: expected true or false", value)
			}
		case "linger.ms":
			n, err := num()
			if err != nil {
				return nil, fmt.Errorf("linger.ms: %w", err)
			}
			opts = append(opts, kgo.ProducerLinger(time.Duration(n)*time.Millisecond))
		case "batch.size":
			n, err := num()
			if err != nil || n <= 0 || n > math.MaxInt32 {
				return nil, fmt.Errorf("batch.size=%s: expected a positive 32-bit number", value)
			}
			opts = append(opts, kgo.ProducerBatchMaxBytes(int32(n)))
		case "compression.type":
			codec, err := compression(value)
			if err != nil {
				return nil, err
			}
			opts = append(opts, kgo.ProducerBatchCompression(codec))
		case "max.in.flight.requests.per.connection":
			n, err := num()
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("max.in.flight.requests.per.connection=%s: expected a positive number", value)
			}
			inflight = n
		case "buffer.memory":
			// The Java producer's bound is bytes; make bytes, not the record count
			// (10 000 by default), what binds franz-go's buffer too.
			n, err := num()
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("buffer.memory=%s: expected a positive number", value)
			}
			opts = append(opts, kgo.MaxBufferedBytes(int(n)), kgo.MaxBufferedRecords(math.MaxInt32))
		case "client.id":
			opts = append(opts, kgo.ClientID(value))
		default:
			return nil, fmt.Errorf("producer property %q has no franz-go mapping here", key)
		}
	}
	switch {
	case !idempotent:
		opts = append(opts, kgo.DisableIdempotentWrite())
		if inflight > 0 {
			opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(int(inflight)))
		}
	case inflight != 0 && inflight != 5:
		// An idempotent franz-go producer always keeps up to 5 requests in flight per
		// broker (Kafka's limit for idempotence) and refuses the option.
		return nil, fmt.Errorf("max.in.flight.requests.per.connection=%d: franz-go fixes it at 5 with idempotence", inflight)
	}
	return opts, nil
}

func compression(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("compression.type=%s: unknown codec", name)
}

type args struct {
	topic                  string
	numRecords, recordSize int64
	throughput             float64
	haveThroughput         bool
	props                  []string
	printMetrics           bool
}

func parseArgs(argv []string) (args, error) {
	var a args
	next := func(i *int) (string, error) {
		if *i+1 >= len(argv) {
			return "", fmt.Errorf("%s needs a value", argv[*i])
		}
		*i++
		return argv[*i], nil
	}
	for i := 0; i < len(argv); i++ {
		var v string
		var err error
		switch argv[i] {
		case "--topic":
			a.topic, err = next(&i)
		case "--num-records":
			if v, err = next(&i); err == nil {
				a.numRecords, err = strconv.ParseInt(v, 10, 64)
			}
		case "--record-size":
			if v, err = next(&i); err == nil {
				a.recordSize, err = strconv.ParseInt(v, 10, 64)
			}
		case "--throughput":
			if v, err = next(&i); err == nil {
				a.throughput, err = strconv.ParseFloat(v, 64)
				a.haveThroughput = true
			}
		case "--bootstrap-server":
			if v, err = next(&i); err == nil {
				a.props = append(a.props, "bootstrap.servers="+v)
			}
		case "--producer-props", "--command-property":
			for i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "--") {
				i++
				a.props = append(a.props, argv[i])
			}
		case "--print-metrics":
			a.printMetrics = true
		default:
			err = fmt.Errorf("unknown argument %q", argv[i])
		}
		if err != nil {
			return a, err
		}
	}
	if a.topic == "" || a.numRecords <= 0 || a.recordSize <= 0 || !a.haveThroughput {
		return a, fmt.Errorf("usage: perf --topic T --num-records N --record-size BYTES --throughput N|-1 --producer-props k=v ...")
	}
	return a, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}

func run() error {
	a, err := parseArgs(os.Args[1:])
	if err != nil {
		return err
	}
	opts, err := producerOpts(a.props)
	if err != nil {
		return err
	}
	opts = append(opts, kgo.DefaultProduceTopic(a.topic))
	var shape *requestShape
	if a.printMetrics {
		shape = newRequestShape()
		opts = append(opts, kgo.WithHooks(shape))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close()

	ctx := context.Background()
	st := newStats(a.numRecords)
	clock := batchClock{partition: -1}
	rng := uint64(0x9E3779B97F4A7C15) // random 'A'..'Z' as in Java's tool
	sendStart := time.Now()
	for i := int64(0); i < a.numRecords; i++ {
		payload := make([]byte, a.recordSize) // kgo owns a record's value until its promise
		// Eight letters a step: the same generator as the Rust and C tools (see eightLetters).
		for j := 0; j < len(payload); j += 8 {
			letters := eightLetters(&rng)
			copy(payload[j:], letters[:])
		}
		sent := time.Now()
		cl.Produce(ctx, &kgo.Record{Value: payload}, func(r *kgo.Record, err error) {
			if err != nil {
				if st.errors < 10 {
					fmt.Fprintln(os.Stderr, "delivery failed:", err)
				}
				st.errors++
				return
			}
			st.record(clock.now(r).Sub(sent).Microseconds(), int64(len(r.Value)), clock.last)
		})
		if a.throughput > 0 { // simple throttle: record i is due at start + i / throughput
			due := sendStart.Add(time.Duration(float64(i+1) * float64(time.Second) / a.throughput))
			if wait := time.Until(due); wait > 0 {
				time.Sleep(wait)
			}
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	st.printTotal()
	if shape != nil {
		shape.print()
	}
	if st.errors > 0 {
		return fmt.Errorf("%d delivery errors", st.errors)
	}
	return nil
}

// eightLetters returns eight random letters 'A'..'Z' from one step of wyrand (a Weyl
// sequence mixed by one 64x64->128-bit multiply): byte b of the step becomes
// 'A' + b*26/256, even and odd bytes scaled in separate 16-bit lanes, where a product
// cannot carry into its neighbour. The same generator as the Rust and C tools, so every
// tool spends the same on its payloads.
func eightLetters(state *uint64) [8]byte {
	const even = 0x00FF00FF00FF00FF
	*state += 0xA0761D6478BD642F
	hi, lo := bits.Mul64(*state, *state^0xE7037ED1A0B428DB)
	x := hi ^ lo
	letters := (((x&even)*26)>>8)&even | (((x>>8)&even)*26)&^even
	letters += 0x4141414141414141
	var out [8]byte
	binary.LittleEndian.PutUint64(out[:], letters)
	return out
}
