package httpsim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
}

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

// toHTTP builds the *http.Request a handler sees. remote names the
// sending node. base is an empty request that carries the context: a copy
// of it keeps the context, which saves the second allocation WithContext
// would make.
func (r *Request) toHTTP(base *http.Request, remote string) (*http.Request, error) {
	if r.Method == "" || !validMethod(r.Method) {
		return nil, fmt.Errorf("httpsim: malformed request: method %q is not an HTTP token", r.Method)
	}
	if r.Target == "" || r.Target[0] != '/' {
		return nil, fmt.Errorf("httpsim: malformed request: target %q must start with /", r.Target)
	}
	u, err := parseTarget(r.Target)
	if err != nil {
		return nil, fmt.Errorf("httpsim: malformed request: target %q: %w", r.Target, err)
	}
	u.Scheme, u.Host = "http", r.Host
	h := r.Header
	if h == nil {
		h = http.Header{}
	}
	hr := new(http.Request)
	*hr = *base
	hr.Method, hr.URL, hr.Proto, hr.ProtoMajor, hr.ProtoMinor = r.Method, u, "HTTP/1.1", 1, 1
	hr.Header, hr.Body, hr.ContentLength = h, newBody(r.Body), int64(len(r.Body))
	hr.Host, hr.RemoteAddr, hr.RequestURI = r.Host, remote, r.Target
	return hr, nil
}

// parseTarget parses a request target. A plain path and query (the
// common case) skip the general parser.
func parseTarget(t string) (*url.URL, error) {
	if t == "" || t[0] != '/' || strings.ContainsAny(t, "%#") {
		return url.ParseRequestURI(t)
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return url.ParseRequestURI(t)
		}
	}
	path, query, _ := strings.Cut(t, "?")
	return &url.URL{Path: path, RawQuery: query}, nil
}

// body is a request or response body: one allocation instead of two.
type body struct{ bytes.Reader }

func (*body) Close() error { return nil }

func newBody(b []byte) io.ReadCloser {
	r := &body{}
	r.Reset(b)
	return r
}

// statusLines caches "200 OK" and the like: a response's Status string
// need not be built per response.
var statusLines = func() map[int]string {
	m := map[int]string{}
	for c := 100; c < 600; c++ {
		if t := http.StatusText(c); t != "" {
			m[c] = strconv.Itoa(c) + " " + t
		}
	}
	return m
}()

func statusLine(code int) string {
	if s, ok := statusLines[code]; ok {
		return s
	}
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

func validMethod(m string) bool {
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
	return &http.Response{
		Status:        statusLine(r.StatusCode),
		StatusCode:    r.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          newBody(r.Body),
		ContentLength: int64(len(r.Body)),
		Request:       req,
	}, nil
}

// recorder is the http.ResponseWriter a handler writes to.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

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
	return w.body.Write(b)
}

func (w *recorder) response() *Response {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	h := w.header
	if w.body.Len() > 0 && h.Get("Content-Type") == "" {
		h = w.Header()
		h.Set("Content-Type", http.DetectContentType(w.body.Bytes()))
	}
	return &Response{StatusCode: w.status, Header: h, Body: w.body.Bytes()}
}
