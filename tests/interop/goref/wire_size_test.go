package main

// wireSize (--digest cheap's wire_bytes) against the length of the wire
// encoding that encodeBoth makes (--digest full's), for every branch of the
// send mode's generator (MsgSnap, whose empty snapshot 3.6 and 3.7 encode only
// when set, and a type of the default branch included), with entries and
// without, rejected answers included. Run by build.sh with GOREF_TEST=1, for
// whichever release it builds (on 3.4 and 3.5 the wire encoding is the 3.4
// one, so there it holds by construction).

import "testing"

func TestWireSizeIsTheWireEncodingsLength(t *testing.T) {
	const msgTimeoutNow msgType = 14 // the generator's default branch
	types := []msgType{msgProp, msgApp, msgAppResp, msgVote, msgVoteResp, msgSnap, msgHeartbeat,
		msgHeartbeatResp, msgReadIndex, msgReadIndexResp, msgPreVote, msgPreVoteResp, msgTimeoutNow}
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
