package main

// check64 (check64.go): the vectors shared with the C++ peer's test
// (tests/peer_check64.cpp), computed independently in Python, and what a
// corrupted or short transfer does to it. Run by build.sh with GOREF_TEST=1.

import (
	"bytes"
	"io"
	"testing"
)

func counting(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i)
	}
	return out
}

func dbBody(t *testing.T, seed uint64, n uint64) []byte {
	b, err := io.ReadAll(newExactStream(seed, dbStreamKey, n))
	if err != nil || uint64(len(b)) != n {
		t.Fatalf("db body: %d bytes, %v", len(b), err)
	}
	return b
}

func TestCheck64Vectors(t *testing.T) {
	for _, v := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "e220a8397b1dcdaf"},
		{"abc", []byte("abc"), "c0d5c43e2997e600"},
		{"0..99", counting(100), "1e999c7bbe977815"},
		{"DB body of 10 000 000 bytes, seed 1", dbBody(t, 1, 10_000_000), "aaadd34c502e7517"},
	} {
		if got := check64Hex(check64Of(v.data)); got != v.want {
			t.Errorf("check64(%s) = %s, want %s", v.name, got, v.want)
		}
	}
}

func TestCheck64Pieces(t *testing.T) {
	data := counting(1000)
	whole := check64Of(data)
	for _, piece := range []int{1, 3, 7, 8, 9, 13, 64, 999} {
		var c check64
		for at := 0; at < len(data); at += piece {
			end := at + piece
			if end > len(data) {
				end = len(data)
			}
			c.Write(data[at:end])
		}
		if c.Sum64() != whole {
			t.Errorf("pieces of %d: %016x, whole %016x", piece, c.Sum64(), whole)
		}
	}
	var c check64
	c.Write(data[:5])
	early := c.Sum64()
	c.Write(data[5:])
	if early != check64Of(data[:5]) || c.Sum64() != whole {
		t.Errorf("Sum64 must not end the sum")
	}
}

func TestCheck64Mismatches(t *testing.T) {
	data := dbBody(t, 1, 4096+5)
	good := check64Of(data)
	bad := append([]byte{}, data...)
	for _, at := range []int{0, 7, 8, 2048, len(data) - 1} {
		for bit := 0; bit < 8; bit++ {
			bad[at] ^= 1 << bit
			if check64Of(bad) == good {
				t.Errorf("bit %d of byte %d flipped: not seen", bit, at)
			}
			bad[at] ^= 1 << bit
		}
	}
	for _, cut := range []int{1, 5, 8, 4096} {
		if check64Of(data[:len(data)-cut]) == good {
			t.Errorf("%d bytes cut: not seen", cut)
		}
	}
	if check64Of(append(append([]byte{}, data...), 0)) == good {
		t.Errorf("a zero appended: not seen")
	}
	swapped := append([]byte{}, data...)
	copy(swapped[0:8], data[8:16])
	copy(swapped[8:16], data[0:8])
	if bytes.Equal(swapped, data) || check64Of(swapped) == good {
		t.Errorf("two words swapped: not seen")
	}
}

// go test -bench Check64: the throughput the cheap digest mode costs per byte.
func BenchmarkCheck64(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i*7 + 3)
	}
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		check64Of(data)
	}
}

// --digest cheap's message digests (doc/peer-cli.md 7.6): the vector shared
// with tests/peer_check64.cpp, computed independently in Python; the ordered
// one sees the order, the unordered one does not.
func TestCheapMessageDigest(t *testing.T) {
	digestOf := func(encodings ...[]byte) *messageDigest {
		d := newMessageDigest(true)
		for _, e := range encodings {
			d.add(e, nil)
		}
		return d
	}
	abc, hundred := []byte("abc"), counting(100)
	d := digestOf(abc, hundred)
	if got := d.check64Hex(); got != "36d31516b8959ad8" {
		t.Errorf("check64 = %s, want 36d31516b8959ad8", got)
	}
	if got := d.check64UnorderedHex(); got != "df6f60b9e82f5e15" {
		t.Errorf("check64_unordered = %s, want df6f60b9e82f5e15", got)
	}
	reversed := digestOf(hundred, abc)
	if got := reversed.check64Hex(); got != "1de91cfd0ac06187" {
		t.Errorf("check64 of the reversed order = %s, want 1de91cfd0ac06187", got)
	}
	if reversed.check64UnorderedHex() != d.check64UnorderedHex() {
		t.Errorf("check64_unordered depends on the order")
	}
	if d.orderedHex() != "" || d.unorderedHex() != "" {
		t.Errorf("cheap mode printed SHA-256 keys")
	}
}
