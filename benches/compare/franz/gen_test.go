package main

import "testing"

func TestVector(t *testing.T) {
	rng := uint64(0x9E3779B97F4A7C15)
	payload := make([]byte, 20)
	for j := 0; j < len(payload); j += 8 {
		l := eightLetters(&rng)
		copy(payload[j:], l[:])
	}
	if string(payload) != "SVPHMZZILZSSKDUDWSRK" {
		t.Fatal(string(payload))
	}
}
