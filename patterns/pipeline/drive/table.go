package drive

// table maps ids handed out in increasing order to live values. Most
// values live briefly, so the live ids sit in a narrow range above the
// oldest one: a slice over that range makes put, get and del O(1) without
// hashing, and without allocating once the slice has grown. When the range
// grows past maxSpan ids (one long-lived value among many short ones), the
// oldest slot moves to the far map, so memory follows the live values, not
// the ids handed out since the oldest.
type table[T any] struct {
	vals []*T // vals[off+i] holds id base+i, nil if not live
	off  int
	base uint64
	far  map[uint64]*T
	n    int // live values
}

const maxSpan = 4096

// put adds v under id, which must be greater than every id put before.
func (w *table[T]) put(id uint64, v *T) {
	if w.off == len(w.vals) {
		w.vals, w.off, w.base = w.vals[:0], 0, id
	}
	for {
		i := w.off + int(id-w.base)
		if i < len(w.vals) {
			w.vals[i] = v
			w.n++
			return
		}
		switch {
		case len(w.vals)-w.off >= maxSpan:
			w.spill()
		case w.off > 0 && len(w.vals) == cap(w.vals):
			// Slide the range to the front instead of growing.
			n := copy(w.vals, w.vals[w.off:])
			clear(w.vals[n:])
			w.vals, w.off = w.vals[:n], 0
		default:
			w.vals = append(w.vals, nil)
		}
	}
}

// spill moves the oldest slot to the far map.
func (w *table[T]) spill() {
	if v := w.vals[w.off]; v != nil {
		if w.far == nil {
			w.far = map[uint64]*T{}
		}
		w.far[w.base] = v
		w.vals[w.off] = nil
	}
	w.off++
	w.base++
}

// get returns the value under id, or nil.
func (w *table[T]) get(id uint64) *T {
	if id < w.base {
		return w.far[id]
	}
	d := id - w.base
	if d >= uint64(len(w.vals)-w.off) {
		return nil
	}
	return w.vals[w.off+int(d)]
}

// del removes id; it is a no-op if id is not live.
func (w *table[T]) del(id uint64) {
	if id < w.base {
		if _, ok := w.far[id]; ok {
			delete(w.far, id)
			w.n--
		}
		return
	}
	d := id - w.base
	if d >= uint64(len(w.vals)-w.off) || w.vals[w.off+int(d)] == nil {
		return
	}
	w.vals[w.off+int(d)] = nil
	w.n--
	// Drop dead slots from the front so the range follows the oldest live
	// id.
	for w.off < len(w.vals) && w.vals[w.off] == nil {
		w.off++
		w.base++
	}
}
