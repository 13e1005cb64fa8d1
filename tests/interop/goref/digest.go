package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
)

// messageDigest accumulates both digests of doc/peer-cli.md 7 over a sequence of
// message encodings:
//   - sha256: SHA-256 over each encoding framed as on the message stream
//     (uint64 big-endian length, then the bytes), in order;
//   - digest_unordered: lane-wise sum mod 2^64 of the four big-endian words of
//     SHA-256(encoding).
type messageDigest struct {
	count   uint64
	ordered hash.Hash
	lanes   [4]uint64
}

func newMessageDigest() *messageDigest {
	return &messageDigest{ordered: sha256.New()}
}

// add takes the encoding and its precomputed SHA-256.
func (d *messageDigest) add(encoding []byte, sum *[sha256.Size]byte) {
	var frameLen [8]byte
	binary.BigEndian.PutUint64(frameLen[:], uint64(len(encoding)))
	d.ordered.Write(frameLen[:])
	d.ordered.Write(encoding)
	for lane := range d.lanes {
		d.lanes[lane] += binary.BigEndian.Uint64(sum[lane*8:])
	}
	d.count++
}

func (d *messageDigest) orderedHex() string {
	return hex.EncodeToString(d.ordered.Sum(nil))
}

func (d *messageDigest) unorderedHex() string {
	return fmt.Sprintf("%016x%016x%016x%016x", d.lanes[0], d.lanes[1], d.lanes[2], d.lanes[3])
}
