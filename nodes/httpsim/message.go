package httpsim

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/proc"
)

// Request is an HTTP request on the simulated wire: the body of the
// proc.Request a Transport sends.
type Request struct {
	Method string
	Host   string // as the client wrote it, e.g. "payment"
	Target string // the request target: path and query, e.g. "/charge?x=1"
	Header http.Header
	Body   []byte
	// Seq numbers the request within its Net, so that an Abort can name
	// it; 0 for a request sent by other means.
	Seq uint64

	msg proc.Request // a Transport's envelope, in the same allocation
}

// Abort tells a server that the client gave up on request Seq (its
// deadline passed), as closing the connection tells a real server: the
// handler's r.Context() is cancelled when the Abort arrives.
type Abort struct{ Seq uint64 }

// Size is an Abort's size in bytes: a TCP segment with FIN or RST.
func (*Abort) Size() int { return 40 }

// Response is an HTTP response on the simulated wire: the body of the
// proc.Response a server node sends back.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// More says that the body goes on in Chunk messages: the handler
	// flushed before it returned.
	More bool

	// A server of this package builds its response in one allocation:
	// the proc envelope, the client's *http.Response and a short body
	// all live here. A Response built by other means leaves them unused.
	owned  bool // built by a server here: client may be handed out once; beside More, one word for both
	msg    proc.Response
	client clientResponse
	small  [smallBody]byte
}

// smallBody is the longest body a response carries inline.
const smallBody = 64

// Size is the request's size in bytes as HTTP/1.1 would send it, roughly.
func (r *Request) Size() int {
	return len(r.Method) + len(r.Target) + 12 + len("Host: \r\n") + len(r.Host) + headerSize(r.Header) + 2 + len(r.Body)
}

// Size is the response's size in bytes as HTTP/1.1 would send it, roughly.
func (r *Response) Size() int {
	return 17 + headerSize(r.Header) + 2 + len(r.Body)
}

func headerSize(h http.Header) int {
	n := 0
	for k, vs := range h { // a sum: order does not matter
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// serverRequest is a handler's request, its URL and its body reader in
// one allocation: the handler may keep any, and all live as long as the
// others.
type serverRequest struct {
	r http.Request
	u url.URL
	b body
}

// toHTTP builds the *http.Request a handler sees. remote names the
// sending node. base is an empty request that carries the context: a copy
// of it keeps the context, which saves the second allocation WithContext
// would make. empty, if not nil, is an empty header map the handler may
// have when the request has no header. An empty body is http.NoBody, as
// net/http's server gives.
func (r *Request) toHTTP(base *http.Request, remote string, empty http.Header) (*http.Request, error) {
	if r.Method == "" || !validMethod(r.Method) {
		return nil, fmt.Errorf("httpsim: malformed request: method %q is not an HTTP token", r.Method)
	}
	if r.Target == "" || r.Target[0] != '/' {
		return nil, fmt.Errorf("httpsim: malformed request: target %q must start with /", r.Target)
	}
	sr := new(serverRequest)
	if err := parseTarget(r.Target, &sr.u); err != nil {
		return nil, fmt.Errorf("httpsim: malformed request: target %q: %w", r.Target, err)
	}
	u := &sr.u
	u.Scheme, u.Host = "http", r.Host
	// The handler gets a copy: it may change its header, and a duplicate
	// of the message (the same *Request) must carry the header as sent.
	h := empty
	if r.Header != nil {
		h = r.Header.Clone()
	}
	if h == nil {
		h = http.Header{}
	}
	hr := &sr.r
	*hr = *base
	hr.Method, hr.URL, hr.Proto, hr.ProtoMajor, hr.ProtoMinor = r.Method, u, "HTTP/1.1", 1, 1
	hr.Header, hr.ContentLength = h, int64(len(r.Body))
	hr.Body = http.NoBody
	if len(r.Body) > 0 {
		sr.b.Reset(r.Body)
		hr.Body = &sr.b
	}
	hr.Host, hr.RemoteAddr, hr.RequestURI = r.Host, remote, r.Target
	return hr, nil
}

// parseTarget parses a request target into u. A plain path and query
// (the common case) skip the general parser and its allocation.
func parseTarget(t string, u *url.URL) error {
	general, q := t == "" || t[0] != '/', -1
	for i := 0; i < len(t) && !general; i++ {
		switch c := t[i]; {
		case c <= ' ' || c >= 0x7f || c == '%' || c == '#':
			general = true
		case c == '?' && q < 0:
			q = i
		}
	}
	if general {
		p, err := url.ParseRequestURI(t)
		if err != nil {
			return err
		}
		*u = *p
		return nil
	}
	if q < 0 {
		*u = url.URL{Path: t}
		return nil
	}
	*u = url.URL{Path: t[:q], RawQuery: t[q+1:]}
	return nil
}

// body is a request or response body: one allocation instead of two.
type body struct{ bytes.Reader }

func (*body) Close() error { return nil }

// statusLines caches "200 OK" and the like: a response's Status string
// need not be built per response. Built on first use, not at every start
// of a program that links the package.
var statusLines = sync.OnceValue(func() map[int]string {
	m := map[int]string{}
	for c := 100; c < 600; c++ {
		if t := http.StatusText(c); t != "" {
			m[c] = strconv.Itoa(c) + " " + t
		}
	}
	return m
})

func statusLine(code int) string {
	if s, ok := statusLines()[code]; ok {
		return s
	}
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPatch, http.MethodOptions:
		return true
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte("()<>@,;:\\\"/[]?={}"), c) >= 0 {
			return false
		}
	}
	return true
}

// toHTTP builds the *http.Response a client sees.
func (r *Response) toHTTP(req *http.Request) (*http.Response, error) {
	if r.StatusCode < 100 || r.StatusCode > 999 {
		return nil, fmt.Errorf("httpsim: malformed response: status code %d is not in 100-999", r.StatusCode)
	}
	h := r.Header
	if h == nil {
		h = http.Header{}
	}
	// The response and its body in one allocation: the one the server
	// made for it, the first time (a duplicate never reaches here: the
	// process drops it), else a new one.
	cr := &r.client
	if !r.owned {
		cr = new(clientResponse)
	}
	r.owned = false
	cr.b.Reset(r.Body)
	cr.r = http.Response{
		Status:        statusLine(r.StatusCode),
		StatusCode:    r.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          &cr.b,
		ContentLength: int64(len(r.Body)),
		Request:       req,
	}
	return &cr.r, nil
}

type clientResponse struct {
	r http.Response
	b body
}

// recorder is the http.ResponseWriter a handler writes to. One serves
// many requests in turn: response copies the body out, so buf is reused.
type recorder struct {
	header http.Header
	status int
	buf    []byte
	out    outStream
}

// maxKeptBuf bounds the buffer a recorder keeps between requests.
const maxKeptBuf = 64 << 10

func (w *recorder) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *recorder) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("httpsim: invalid WriteHeader code %d", code)) // as net/http does
	}
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf = append(w.buf, b...)
	return len(b), nil
}

// WriteString saves io.WriteString the conversion to []byte.
func (w *recorder) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf = append(w.buf, s...)
	return len(s), nil
}

// Flush implements http.Flusher: it sends what the handler wrote so far
// (the status and header too, the first time), and the client reads it
// before ServeHTTP returns.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.out.env != nil {
		w.flush()
	}
}

// FlushError is Flush for http.ResponseController.
func (w *recorder) FlushError() error {
	w.Flush()
	return nil
}

// response hands the status, header and a copy of the body to a new
// Response, and readies the recorder for the next request.
func (w *recorder) response() *Response {
	r := &Response{StatusCode: w.status, Header: w.header, owned: true}
	if r.StatusCode == 0 {
		r.StatusCode = http.StatusOK
	}
	if n := len(w.buf); n > 0 {
		if r.Header.Get("Content-Type") == "" {
			r.Header = w.Header()
			r.Header.Set("Content-Type", http.DetectContentType(w.buf))
		}
		if n <= smallBody {
			r.Body = r.small[:n:n]
			copy(r.Body, w.buf)
		} else {
			r.Body = bytes.Clone(w.buf)
		}
	}
	w.reset()
	return r
}

// reset readies the recorder for the next request; it keeps the buffer.
func (w *recorder) reset() {
	buf := w.buf[:0]
	if cap(buf) > maxKeptBuf {
		buf = nil
	}
	*w = recorder{buf: buf, out: outStream{parts: -1}}
}

// send sends r to node to as the answer to req, as proc.Reply would,
// in r's own envelope.
func (r *Response) send(env *nodes.Env, to NodeID, req *proc.Request) {
	r.msg = proc.Response{ID: req.ID, Body: r}
	env.Send(to, &r.msg, r.Size())
}
