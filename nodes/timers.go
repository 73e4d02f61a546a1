package nodes

// timerSet is the set of a node's pending timers. Timer ids are handed out
// in increasing order and most timers live briefly, so the pending ids sit
// in a narrow window above the oldest one: a bitmap over that window makes
// add, has and del O(1), without hashing and, once the bitmap has grown to
// the window, without allocating. A window wider than maxWindowWords words
// (a long timer among many short ones) moves its oldest word's ids to the
// far map, so the bitmap stays small whatever the timers' lifetimes.
type timerSet struct {
	words []uint64 // words[off] holds the ids base..base+63, one bit each
	off   int
	base  TimerID // a multiple of 64
	far   map[TimerID]struct{}
}

// maxWindowWords bounds the bitmap: 64 words cover 4096 ids in 512 bytes.
const maxWindowWords = 64

// add inserts id, which must be greater than every id added before.
func (s *timerSet) add(id TimerID) {
	if s.off == len(s.words) {
		s.words, s.off, s.base = s.words[:0], 0, id&^63
	}
	w := s.off + int((id-s.base)>>6)
	for w >= len(s.words) {
		if len(s.words)-s.off >= maxWindowWords {
			s.spill() // shifts off and base alike: w stays put
			continue
		}
		if s.off > 0 && len(s.words) == cap(s.words) {
			// Slide the window to the front instead of growing.
			n := copy(s.words, s.words[s.off:])
			s.words = s.words[:n]
			w -= s.off
			s.off = 0
			continue
		}
		s.words = append(s.words, 0)
	}
	s.words[w] |= 1 << (id & 63)
}

// spill moves the ids of the oldest word to the far map.
func (s *timerSet) spill() {
	x := s.words[s.off]
	for b := TimerID(0); x != 0; b++ {
		if x&1 != 0 {
			if s.far == nil {
				s.far = map[TimerID]struct{}{}
			}
			s.far[s.base+b] = struct{}{}
		}
		x >>= 1
	}
	s.words[s.off] = 0
	s.off++
	s.base += 64
}

// has reports whether id is pending.
func (s *timerSet) has(id TimerID) bool {
	if id < s.base {
		_, ok := s.far[id]
		return ok
	}
	w := s.off + int((id-s.base)>>6)
	return w < len(s.words) && s.words[w]&(1<<(id&63)) != 0
}

// del removes id; it is a no-op if id is not pending.
func (s *timerSet) del(id TimerID) {
	if id < s.base {
		if s.far != nil {
			delete(s.far, id)
		}
		return
	}
	w := s.off + int((id-s.base)>>6)
	if w >= len(s.words) {
		return
	}
	s.words[w] &^= 1 << (id & 63)
	// Drop empty words from the front so the window follows the oldest
	// pending timer.
	for s.off < len(s.words) && s.words[s.off] == 0 {
		s.off++
		s.base += 64
	}
}

// clear removes every id.
func (s *timerSet) clear() {
	clear(s.words)
	s.words, s.off = s.words[:0], 0
	s.far = nil
}
