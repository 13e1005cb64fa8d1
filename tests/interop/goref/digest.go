package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// messageDigest accumulates the digests of doc/peer-cli.md 7 over a sequence
// of message encodings. --digest full:
//   - sha256: SHA-256 over each encoding framed as on the message stream
//     (uint64 big-endian length, then the bytes), in order;
//   - digest_unordered: lane-wise sum mod 2^64 of the four big-endian words of
//     SHA-256(encoding).
//
// --digest cheap (7.6), one pass over each encoding: check64 over the
// sequence of 16-byte records (length, check64(encoding), both uint64
// big-endian), and the sum mod 2^64 of check64(encoding).
// The keys of the other mode are printed empty.
type messageDigest struct {
	cheap          bool
	count          uint64
	ordered        hash.Hash
	lanes          [4]uint64
	orderedCheck   check64
	unorderedCheck uint64
}

func newMessageDigest(cheap bool) *messageDigest {
	if cheap {
		return &messageDigest{cheap: true}
	}
	return &messageDigest{ordered: sha256.New()}
}

// add takes the encoding and, for --digest full, its SHA-256 (nil: computed
// here).
func (d *messageDigest) add(encoding []byte, sum *[sha256.Size]byte) {
	d.count++
	if d.cheap {
		// The ordered check chains the messages' own check64s (with their
		// lengths) rather than re-reading their bytes.
		own := check64Of(encoding)
		var record [16]byte
		binary.BigEndian.PutUint64(record[:8], uint64(len(encoding)))
		binary.BigEndian.PutUint64(record[8:], own)
		d.orderedCheck.Write(record[:])
		d.unorderedCheck += own
		return
	}
	var frameLen [8]byte
	binary.BigEndian.PutUint64(frameLen[:], uint64(len(encoding)))
	if sum == nil {
		s := sha256.Sum256(encoding)
		sum = &s
	}
	d.ordered.Write(frameLen[:])
	d.ordered.Write(encoding)
	for lane := range d.lanes {
		d.lanes[lane] += binary.BigEndian.Uint64(sum[lane*8:])
	}
}

func (d *messageDigest) orderedHex() string {
	if d.cheap {
		return ""
	}
	return hex.EncodeToString(d.ordered.Sum(nil))
}

func (d *messageDigest) unorderedHex() string {
	if d.cheap {
		return ""
	}
	return fmt.Sprintf("%016x%016x%016x%016x", d.lanes[0], d.lanes[1], d.lanes[2], d.lanes[3])
}

func (d *messageDigest) check64Hex() string {
	if !d.cheap {
		return ""
	}
	return check64Hex(d.orderedCheck.Sum64())
}

func (d *messageDigest) check64UnorderedHex() string {
	if !d.cheap {
		return ""
	}
	return check64Hex(d.unorderedCheck)
}

// digestJSON holds the four digest keys of a message sequence.
type digestJSON struct {
	Sha256           string `json:"sha256"`
	DigestUnordered  string `json:"digest_unordered"`
	Check64          string `json:"check64"`
	Check64Unordered string `json:"check64_unordered"`
}

func (d *messageDigest) json() digestJSON {
	return digestJSON{
		Sha256: d.orderedHex(), DigestUnordered: d.unorderedHex(),
		Check64: d.check64Hex(), Check64Unordered: d.check64UnorderedHex(),
	}
}

// describeBody reads a DB body and returns its size and, as --digest says,
// its SHA-256 or its check64 (hex; the other one empty).
func describeBody(body io.Reader, cheap bool) (size int64, sha256Hex, check64Text string, err error) {
	if cheap {
		var c check64
		size, err = io.Copy(&c, body)
		return size, "", check64Hex(c.Sum64()), err
	}
	h := sha256.New()
	size, err = io.Copy(h, body)
	return size, hex.EncodeToString(h.Sum(nil)), "", err
}

// writeDBFile writes the DB body of the snapshot modes into the file at path
// and returns its digests (those --digest asks for), computed as it is written.
func writeDBFile(path string, cfg *config) (sha256Hex, check64Text string, err error) {
	f, err := os.Create(path)
	if err != nil {
		return "", "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	body := io.TeeReader(newExactStream(cfg.content.seed, dbStreamKey, cfg.dbSize), w)
	_, sha256Hex, check64Text, err = describeBody(body, cfg.digest == "cheap")
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return sha256Hex, check64Text, err
}

// dbFile is a DB file as etcd's snapshot sender takes it: it is closed more
// than once (the POST body, then snap.Message.CloseWithError, whose outcome
// is a failure if Close fails), so only the first Close closes the file.
type dbFile struct {
	f         *os.File
	closeOnce *sync.Once
}

func newDBFile(f *os.File) dbFile { return dbFile{f, new(sync.Once)} }

func (d dbFile) Read(p []byte) (int, error) { return d.f.Read(p) }

func (d dbFile) Close() error {
	var err error
	d.closeOnce.Do(func() { err = d.f.Close() })
	return err
}
