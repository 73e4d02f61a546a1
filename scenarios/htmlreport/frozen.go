package htmlreport

import "reflect"

// frozenTypes remembers, per payload type, whether a value of it renders
// the same text at any later time as at its send (see frozen).
type frozenTypes struct {
	last       reflect.Type
	lastFrozen bool
	known      map[reflect.Type]bool
}

// frozen reports whether v's text cannot change after the send: its type
// holds only booleans, numbers, strings, and arrays and structs of them.
// An interface holds its own copy of such a value, which nothing can
// change, so rendering it later gives the text it had when it was sent.
// (A String method is taken to depend on its value alone, as a payload's
// should.)
func (f *frozenTypes) frozen(v any) bool {
	t := reflect.TypeOf(v)
	if t == f.last && t != nil {
		return f.lastFrozen
	}
	ok, seen := f.known[t]
	if !seen {
		ok = t != nil && frozenType(t, 0)
		if f.known == nil {
			f.known = map[reflect.Type]bool{}
		}
		f.known[t] = ok
	}
	f.last, f.lastFrozen = t, ok
	return ok
}

func frozenType(t reflect.Type, depth int) bool {
	if depth > 10 {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array:
		return frozenType(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if !frozenType(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false // pointers, slices, maps, interfaces, funcs, channels
}
