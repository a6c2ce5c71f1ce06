package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// requestShape counts, for --print-metrics, what the Produce requests looked like: how many,
// how many batches and records each carried, and how many were in flight per broker when
// each was written, so the request shape can be compared with the other clients'.
type requestShape struct {
	mu                 sync.Mutex
	requests, batches  int64
	records, bytes     int64
	responses          int64
	inflight           map[int32]int64
	inflightAtWriteSum int64
	inflightAtWriteMax int64
	writeWait          time.Duration
}

var (
	_ kgo.HookBrokerWrite         = (*requestShape)(nil)
	_ kgo.HookBrokerRead          = (*requestShape)(nil)
	_ kgo.HookProduceBatchWritten = (*requestShape)(nil)
)

func newRequestShape() *requestShape { return &requestShape{inflight: map[int32]int64{}} }

const produceKey = 0

func (s *requestShape) OnBrokerWrite(meta kgo.BrokerMetadata, key int16, bytes int, wait, _ time.Duration, err error) {
	if key != produceKey || err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.bytes += int64(bytes)
	s.writeWait += wait
	s.inflight[meta.NodeID]++
	n := s.inflight[meta.NodeID]
	s.inflightAtWriteSum += n
	s.inflightAtWriteMax = max(s.inflightAtWriteMax, n)
}

func (s *requestShape) OnBrokerRead(meta kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if key != produceKey {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responses++
	if s.inflight[meta.NodeID] > 0 {
		s.inflight[meta.NodeID]--
	}
}

func (s *requestShape) OnProduceBatchWritten(_ kgo.BrokerMetadata, _ string, _ int32, m kgo.ProduceBatchMetrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches++
	s.records += int64(m.NumRecords)
}

func (s *requestShape) print() {
	s.mu.Lock()
	defer s.mu.Unlock()
	line := func(name string, v any) { fmt.Printf("%-40s : %v\n", name, v) }
	line("produce-requests", s.requests)
	line("produce-batches", s.batches)
	line("records-delivered", s.records)
	if s.requests > 0 {
		r := float64(s.requests)
		line("records-per-request-avg", fmt.Sprintf("%.1f", float64(s.records)/r))
		line("batches-per-request-avg", fmt.Sprintf("%.2f", float64(s.batches)/r))
		line("bytes-per-request-avg", fmt.Sprintf("%.0f", float64(s.bytes)/r))
		line("in-flight-at-write-avg", fmt.Sprintf("%.2f", float64(s.inflightAtWriteSum)/r))
		line("in-flight-at-write-max", s.inflightAtWriteMax)
	}
	if s.batches > 0 {
		line("records-per-batch-avg", fmt.Sprintf("%.1f", float64(s.records)/float64(s.batches)))
	}
}
