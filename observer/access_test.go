package observer_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gen-go/gen/observer"
)

// at makes r look as if it came to a server at local from remote, with the
// Host header host.
func at(r *http.Request, local, remote, host string) *http.Request {
	var addr net.Addr
	if local != "" {
		a, err := net.ResolveTCPAddr("tcp", local)
		if err != nil {
			panic(err)
		}
		addr = a
	}
	if addr != nil {
		r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, addr))
	}
	r.RemoteAddr, r.Host = remote, host
	return r
}

func TestAccessWithoutToken(t *testing.T) {
	rt := newRuntime(t)
	h := observer.Handler(rt)
	for _, tc := range []struct {
		name                string
		local, remote, host string
		want                int
	}{
		{"loopback", "127.0.0.1:4041", "127.0.0.1:5000", "127.0.0.1:4041", http.StatusOK},
		{"localhost", "127.0.0.1:4041", "127.0.0.1:5000", "localhost:4041", http.StatusOK},
		{"ipv6", "[::1]:4041", "[::1]:5000", "[::1]:4041", http.StatusOK},
		{"ipv4 in ipv6", "[::ffff:127.0.0.1]:4041", "[::ffff:127.0.0.1]:5000", "127.0.0.1:4041", http.StatusOK},
		{"non-loopback local address", "192.0.2.7:4041", "192.0.2.8:5000", "192.0.2.7:4041", http.StatusForbidden},
		{"non-loopback client", "127.0.0.1:4041", "192.0.2.8:5000", "127.0.0.1:4041", http.StatusForbidden},
		{"unknown local address", "", "127.0.0.1:5000", "127.0.0.1:4041", http.StatusForbidden},
		{"DNS rebinding", "127.0.0.1:4041", "127.0.0.1:5000", "evil.example:4041", http.StatusForbidden},
		{"no host", "127.0.0.1:4041", "127.0.0.1:5000", "", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, at(httptest.NewRequest(http.MethodGet, "/api/tree", nil), tc.local, tc.remote, tc.host))
			if w.Code != tc.want {
				t.Errorf("GET /api/tree = %d %s; want %d", w.Code, w.Body, tc.want)
			}
			if tc.want == http.StatusForbidden && !strings.HasPrefix(w.Body.String(), "observer: ") {
				t.Errorf("refusal %q does not say why", w.Body)
			}
		})
	}
}

func TestAccessWithToken(t *testing.T) {
	rt := newRuntime(t)
	const token = "0123456789abcdef"
	h := observer.Handler(rt, observer.WithToken(token))
	remote := func(r *http.Request) *http.Request {
		return at(r, "192.0.2.7:4041", "192.0.2.8:5000", "192.0.2.7:4041")
	}
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, remote(r))
		return w
	}

	if w := serve(httptest.NewRequest(http.MethodGet, "/api/tree", nil)); w.Code != http.StatusUnauthorized {
		t.Errorf("no token: %d; want 401", w.Code)
	}
	// The token is needed on loopback too once there is one.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, loopback(httptest.NewRequest(http.MethodGet, "/api/tree", nil)))
	if w.Code != http.StatusUnauthorized {
		t.Errorf("loopback without the token: %d; want 401", w.Code)
	}

	r := httptest.NewRequest(http.MethodGet, "/api/tree", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	if w := serve(r); w.Code != http.StatusOK {
		t.Errorf("bearer token: %d; want 200", w.Code)
	}
	r = httptest.NewRequest(http.MethodGet, "/api/tree", nil)
	r.Header.Set("Authorization", "Bearer "+token+"x")
	if w := serve(r); w.Code != http.StatusUnauthorized {
		t.Errorf("wrong bearer token: %d; want 401", w.Code)
	}

	// A browser brings the token in the address once: it gets a cookie and
	// is sent to the address without the token.
	w = serve(httptest.NewRequest(http.MethodGet, "/?token="+token+"&x=1", nil))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "./?x=1" {
		t.Fatalf("GET /?token=: %d, Location %q; want 303 to ./?x=1", w.Code, w.Header().Get("Location"))
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Value != token || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies = %+v; want one HttpOnly, SameSite=Strict cookie with the token", cookies)
	}
	if w := serve(httptest.NewRequest(http.MethodGet, "/?token=wrong", nil)); w.Code != http.StatusUnauthorized {
		t.Errorf("GET /?token=wrong: %d; want 401", w.Code)
	}
	for _, path := range []string{"/", "/api/processes", "/static/app.js"} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.AddCookie(cookies[0])
		if w := serve(r); w.Code != http.StatusOK {
			t.Errorf("GET %s with the cookie: %d; want 200", path, w.Code)
		}
	}
	// The cookie does not make a cross-origin POST pass.
	r = httptest.NewRequest(http.MethodPost, "/api/process/1.0/kill", nil)
	r.AddCookie(cookies[0])
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := serve(r); w.Code != http.StatusForbidden {
		t.Errorf("cross-origin POST with the cookie: %d; want 403", w.Code)
	}
}
