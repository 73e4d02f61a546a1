package htmlreport

import "reflect"

// frozenTypes remembers, per payload type, whether a value of it renders
// the same text at any later time as at its send (see frozen), or can be
// copied at the send to render later as sent (see copyOf).
type frozenTypes struct {
	last     reflect.Type
	lastKind payloadKind
	known    map[reflect.Type]payloadKind
}

// payloadKind is what recording can do with a payload of one type.
type payloadKind uint8

const (
	mutablePayload  payloadKind = iota // may change after the send: rendered then
	frozenPayload                      // cannot change: kept as it is
	copyablePayload                    // a pointer to a frozen value, without methods: its value is copied
)

// frozen reports whether v's text cannot change after the send: its type
// holds only booleans, numbers, strings, and arrays and structs of them.
// An interface holds its own copy of such a value, which nothing can
// change, so rendering it later gives the text it had when it was sent.
// (A String method is taken to depend on its value alone, as a payload's
// should.)
func (f *frozenTypes) frozen(v any) bool { return f.kindOf(v) == frozenPayload }

// copyOf returns a payload that renders later as v renders now, and
// whether it could make one: v itself if it is nil, else a pointer to a
// copy of what v points to. It can when v's type is a pointer to a frozen
// type and has no methods, so that its text is '&' and the text of what it
// points to, which the copy keeps as it is now. Copying costs far less
// than rendering.
func (f *frozenTypes) copyOf(v any) (any, bool) {
	if f.kindOf(v) != copyablePayload {
		return nil, false
	}
	p := reflect.ValueOf(v)
	if p.IsNil() {
		return v, true
	}
	c := reflect.New(p.Type().Elem())
	c.Elem().Set(p.Elem())
	return c.Interface(), true
}

func (f *frozenTypes) kindOf(v any) payloadKind {
	t := reflect.TypeOf(v)
	if t == f.last && t != nil {
		return f.lastKind
	}
	k, seen := f.known[t]
	if !seen {
		switch {
		case t == nil:
		case frozenType(t, 0):
			k = frozenPayload
		case t.Kind() == reflect.Pointer && t.NumMethod() == 0 && frozenType(t.Elem(), 1):
			k = copyablePayload
		}
		if f.known == nil {
			f.known = map[reflect.Type]payloadKind{}
		}
		f.known[t] = k
	}
	f.last, f.lastKind = t, k
	return k
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
