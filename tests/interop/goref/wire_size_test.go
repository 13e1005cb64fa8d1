package main

// wireSize (--digest cheap's wire_bytes) against the length of the wire
// encoding that encodeBoth makes (--digest full's), for every type the send
// mode generates, with entries and without, rejected answers included. Run
// by build.sh with GOREF_TEST=1, for whichever release it builds.

import "testing"

func TestWireSizeIsTheWireEncodingsLength(t *testing.T) {
	types := []msgType{msgProp, msgApp, msgAppResp, msgVote, msgVoteResp, msgHeartbeat,
		msgHeartbeatResp, msgReadIndex, msgReadIndexResp, msgPreVote, msgPreVoteResp}
	for _, typ := range types {
		for _, entries := range []uint64{0, 3} {
			c := contentParams{from: 1, to: 2, msgType: typ, seed: 7, entries: entries, entrySize: 100,
				startIndex: 1, term: 5, termEvery: 2, rejectEvery: 2, ackContext: true}
			for i := uint64(0); i < 4; i++ {
				m := c.message(i)
				digest, wire := encodeBoth(&m)
				if got := wireSize(&m, digest); got != len(wire) {
					t.Errorf("%v (%d entries) #%d: wireSize %d, wire encoding %d bytes", typ, entries, i, got, len(wire))
				}
			}
		}
	}
}
