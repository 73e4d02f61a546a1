package sim

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// formatValue writes v as fmt's %+v would, but follows pointers instead
// of printing their addresses, which differ from run to run and would
// make two traces of one run differ. Depth and size are bounded.
func formatValue(b *textBuf, v reflect.Value, depth int) {
	if b.Len() > MaxPayloadBytes {
		return
	}
	if !v.IsValid() {
		b.WriteString("<nil>")
		return
	}
	if depth > 10 {
		b.WriteString("…")
		return
	}
	// A type without methods has no String, Error or Format to call:
	// skip the boxing that asking would cost.
	methods := v.Kind() == reflect.Interface || v.Type().NumMethod() > 0
	if methods && v.CanInterface() {
		if s, ok := v.Interface().(fmt.Stringer); ok && (v.Kind() != reflect.Pointer || !v.IsNil()) {
			b.WriteString(s.String())
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("<nil>")
			return
		}
		if v.Kind() == reflect.Pointer {
			b.WriteByte('&')
		}
		formatValue(b, v.Elem(), depth+1)
	case reflect.Struct:
		formatStruct(b, v, depth)
	case reflect.Slice, reflect.Array:
		formatList(b, v, depth)
	case reflect.Map:
		formatMap(b, v, depth)
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		b.WriteString(v.Type().String())
	default:
		if !methods && writeBasic(b, v) {
			return
		}
		if v.CanInterface() {
			fmt.Fprintf(b, "%v", v.Interface())
		} else {
			fmt.Fprintf(b, "%v", v)
		}
	}
}

func formatStruct(b *textBuf, v reflect.Value, depth int) {
	p := planOf(v.Type())
	b.WriteByte('{')
	for i, f := range p.fields {
		b.WriteString(f.prefix)
		fv := v.Field(i)
		switch {
		case f.how == fieldAny || b.Len() > MaxPayloadBytes || depth+1 > 10:
			formatValue(b, fv, depth+1)
		case f.how == fieldBasic:
			writeBasic(b, fv)
		case !fv.CanInterface():
			// Reached through an unexported field: fmt would not call
			// String here either.
			formatValue(b, fv, depth+1)
		case f.how == fieldTime && Time(fv.Int()) == Never:
			b.WriteString("never")
		default: // fieldTime, fieldDuration: Time's String is Duration's
			*b = appendDuration(*b, time.Duration(fv.Int()))
		}
	}
	b.WriteByte('}')
}

// A structPlan is what formatStruct needs of a struct type, worked out
// once per type: asking reflect for each field's name and methods on
// every payload costs more than writing the payload.
type structPlan struct {
	fields []fieldPlan
}

type fieldPlan struct {
	prefix string // "Name:", after a space for every field but the first
	how    fieldHow
}

type fieldHow uint8

const (
	fieldAny      fieldHow = iota // formatValue
	fieldBasic                    // bool, number or string without methods: writeBasic
	fieldTime                     // sim.Time: its String without boxing
	fieldDuration                 // time.Duration: likewise
)

var (
	structPlans  sync.Map // reflect.Type → *structPlan; read-mostly, shared by parallel worlds
	timeType     = reflect.TypeFor[Time]()
	durationType = reflect.TypeFor[time.Duration]()
)

func planOf(t reflect.Type) *structPlan {
	if p, ok := structPlans.Load(t); ok {
		return p.(*structPlan)
	}
	p := &structPlan{fields: make([]fieldPlan, t.NumField())}
	for i := range p.fields {
		f := t.Field(i)
		prefix := f.Name + ":"
		if i > 0 {
			prefix = " " + prefix
		}
		how := fieldAny
		switch {
		case f.Type == timeType:
			how = fieldTime
		case f.Type == durationType:
			how = fieldDuration
		case f.Type.NumMethod() == 0 && isBasic(f.Type.Kind()):
			how = fieldBasic
		}
		p.fields[i] = fieldPlan{prefix: prefix, how: how}
	}
	actual, _ := structPlans.LoadOrStore(t, p)
	return actual.(*structPlan)
}

// isBasic reports whether writeBasic writes values of kind k.
func isBasic(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

func formatList(b *textBuf, v reflect.Value, depth int) {
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
		fmt.Fprintf(b, "%q", v.Bytes())
		return
	}
	b.WriteByte('[')
	for i := range v.Len() {
		if i > 0 {
			b.WriteByte(' ')
		}
		formatValue(b, v.Index(i), depth+1)
	}
	b.WriteByte(']')
}

// formatMap writes the entries sorted by the text of their keys, as fmt
// sorts maps, for a stable order.
func formatMap(b *textBuf, v reflect.Value, depth int) {
	keys := v.MapKeys()
	text := make([]string, len(keys))
	for i, k := range keys {
		var kb textBuf
		formatValue(&kb, k, depth+1)
		text[i] = string(kb)
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, c int) int { return strings.Compare(text[a], text[c]) })
	b.WriteString("map[")
	for n, i := range idx {
		if n > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(text[i])
		b.WriteByte(':')
		formatValue(b, v.MapIndex(keys[i]), depth+1)
	}
	b.WriteByte(']')
}

// writeBasic writes a bool, integer, float or string as %v does, without
// fmt's reflection, and reports whether v was one of those.
func writeBasic(b *textBuf, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Bool:
		*b = strconv.AppendBool(*b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		*b = strconv.AppendInt(*b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		*b = strconv.AppendUint(*b, v.Uint(), 10)
	case reflect.Float32:
		*b = strconv.AppendFloat(*b, v.Float(), 'g', -1, 32)
	case reflect.Float64:
		*b = strconv.AppendFloat(*b, v.Float(), 'g', -1, 64)
	case reflect.String:
		b.WriteString(v.String())
	default:
		return false
	}
	return true
}

// textBuf is the buffer a payload is rendered into. RenderPayload takes
// one from a pool and makes one string of the result: one allocation per
// payload, where a strings.Builder grows through several.
type textBuf []byte

func (b *textBuf) Len() int                    { return len(*b) }
func (b *textBuf) WriteString(s string)        { *b = append(*b, s...) }
func (b *textBuf) WriteByte(c byte) error      { *b = append(*b, c); return nil }
func (b *textBuf) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// textBufs holds buffers between renderings; worlds run in parallel in a
// sweep, so a pool rather than one buffer. Its order never reaches output.
var textBufs = sync.Pool{New: func() any { b := make(textBuf, 0, 256); return &b }}

// appendDuration appends d.String() to b without making a string.
func appendDuration(b []byte, d time.Duration) []byte {
	if d == 0 {
		return append(b, "0s"...)
	}
	var buf [32]byte
	w := len(buf)
	u := uint64(d)
	if d < 0 {
		u = -u
	}
	// frac writes v's last prec digits after a point, without the
	// trailing zeros (and without the point if all are zero), and
	// returns v without them.
	frac := func(v uint64, prec int) uint64 {
		printed := false
		for range prec {
			digit := v % 10
			printed = printed || digit != 0
			if printed {
				w--
				buf[w] = byte(digit) + '0'
			}
			v /= 10
		}
		if printed {
			w--
			buf[w] = '.'
		}
		return v
	}
	integer := func(v uint64) {
		for {
			w--
			buf[w] = byte(v%10) + '0'
			v /= 10
			if v == 0 {
				return
			}
		}
	}
	if u < uint64(time.Second) {
		w--
		buf[w] = 's'
		switch {
		case u < uint64(time.Microsecond):
			w--
			buf[w] = 'n'
			integer(u)
		case u < uint64(time.Millisecond):
			w -= len("µ")
			copy(buf[w:], "µ")
			integer(frac(u, 3))
		default:
			w--
			buf[w] = 'm'
			integer(frac(u, 6))
		}
	} else {
		w--
		buf[w] = 's'
		u = frac(u, 9)
		integer(u % 60)
		u /= 60
		if u > 0 {
			w--
			buf[w] = 'm'
			integer(u % 60)
			u /= 60
			if u > 0 {
				w--
				buf[w] = 'h'
				integer(u)
			}
		}
	}
	if d < 0 {
		w--
		buf[w] = '-'
	}
	return append(b, buf[w:]...)
}
