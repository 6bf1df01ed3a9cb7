package observer

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// cookieName is the cookie that carries the token in a browser.
const cookieName = "gen_observer_token"

// admit decides whether r may be served, and answers it when not (or when
// the answer is a redirect that stores the token in a cookie).
func (h *handler) admit(w http.ResponseWriter, r *http.Request) bool {
	if h.token != "" {
		return h.admitToken(w, r)
	}
	if !loopbackConn(r) {
		http.Error(w, "observer: this dashboard answers loopback requests only; "+
			"serve it with observer.WithToken to reach it from elsewhere", http.StatusForbidden)
		return false
	}
	if !loopbackHost(r.Host) {
		http.Error(w, "observer: the Host header must name a loopback address", http.StatusForbidden)
		return false
	}
	return true
}

func (h *handler) admitToken(w http.ResponseWriter, r *http.Request) bool {
	if tok := r.URL.Query().Get("token"); tok != "" && r.Method == http.MethodGet && r.URL.Path == "/" {
		if !h.tokenOK(tok) {
			http.Error(w, "observer: wrong token", http.StatusUnauthorized)
			return false
		}
		// A browser arrived with the token in the address: keep it in a
		// cookie and take it out of the address (and so of the history).
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		q := r.URL.Query()
		q.Del("token")
		loc := "./" // relative, so that it works under a prefix
		if len(q) > 0 {
			loc += "?" + q.Encode()
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusSeeOther)
		return false
	}
	if h.tokenOK(credential(r)) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="observer"`)
	http.Error(w, "observer: a token is required: open the dashboard at ?token=TOKEN, "+
		"or send Authorization: Bearer TOKEN", http.StatusUnauthorized)
	return false
}

// credential returns the token r carries: in an Authorization header, a
// cookie, or the query.
func credential(r *http.Request) string {
	if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(a)
	}
	if c, err := r.Cookie(cookieName); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			return v
		}
	}
	return r.URL.Query().Get("token")
}

func (h *handler) tokenOK(tok string) bool {
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(h.token)) == 1
}

// loopbackConn reports whether r came over a connection whose two ends are
// loopback addresses. A request without a known local address (one not
// served by net/http's server) is not.
func loopbackConn(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || !loopbackAddr(local.String()) {
		return false
	}
	return loopbackAddr(r.RemoteAddr)
}

func loopbackAddr(hostport string) bool {
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

// loopbackHost reports whether the Host header names this machine by a
// loopback address or "localhost".
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
