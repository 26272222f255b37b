// Package graphsim is a local Microsoft Graph simulator for tests and the
// demo. It speaks the parts of the real protocol that kretslopp-collector
// uses, over HTTPS with its own CA:
//
//   - Microsoft identity platform: instance discovery
//     (/common/discovery/instance), tenant discovery
//     (/{tenant}/v2.0/.well-known/openid-configuration) and the
//     client-credentials token endpoint (/{tenant}/oauth2/v2.0/token) with a
//     client secret or a client assertion (certificate);
//   - usage reports (/v1.0/reports/getX(period='D7') and (date=YYYY-MM-DD)):
//     302 to a pre-authenticated download URL that refuses an Authorization
//     header and serves a CSV with a UTF-8 BOM and Graph's column headers;
//   - call records (/v1.0/communications/callRecords) with $filter on
//     startDateTime, 30 days retention and @odata.nextLink paging; one
//     record with $expand=participants_v2 and List participants_v2;
//   - throttling at the documented limits (throttle.go), faster with
//     Options.TimeScale;
//   - managed identity (the App Service / Container Apps identity
//     endpoint) and workload identity federation (a client assertion from
//     a trusted issuer);
//   - fault injection: 429/503 with or without Retry-After, 5xx, expired
//     tokens (401), through the Go API or the admin endpoints under /_sim/.
//
// Each behaviour cites the page of microsoft-graph-docs-contrib (or of
// azure-docs) it imitates; where the simulator and a page differ, the page
// is right and the simulator is wrong.
//
// The data is a deterministic municipal story (see Story).
package graphsim

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a simulator.
type Options struct {
	Story Story
	// Now is the simulator's clock; nil means time.Now. Set it to put the
	// 180-day report window in 2020.
	Now func() time.Time
	// TenantID, ClientID and ClientSecret are the accepted credentials.
	// Empty TenantID/ClientID accept any; an empty ClientSecret accepts any
	// secret. A client assertion (certificate credential) is accepted when
	// its iss/sub equal the client id and, if ClientCertificate is set, its
	// signature verifies (see verifyAssertion).
	TenantID, ClientID, ClientSecret string
	ClientCertificate                *x509.Certificate
	// FederatedCredential, when set, accepts client assertions issued by
	// another identity provider (workload identity federation, Kubernetes).
	FederatedCredential *FederatedCredential
	// IdentityHeader, when set, serves the managed identity endpoint
	// /msi/token that checks X-IDENTITY-HEADER against it.
	IdentityHeader string
	// TimeScale divides every throttling window and Retry-After (default
	// 1: the documented rates). Tests and the bench run faster with it.
	TimeScale float64
	// TokenLifetime is the access-token lifetime (default 1 h).
	TokenLifetime time.Duration
	// ReportLag is how many days the usage reports lag behind today
	// (default 2, like Graph).
	ReportLag int
	// PageSize is the call-record page size (default 60, Graph's default);
	// a Prefer: odata.maxpagesize header lowers or raises it up to 1000.
	PageSize int
	// DuplicateAcrossPages repeats the last record of a page at the start of
	// the next one, as an eventually consistent listing may.
	DuplicateAcrossPages bool
	// RequestLog is how many answered requests Requests keeps (default
	// 100,000; negative: none, for the bench's memory figures).
	RequestLog int
	// Hostnames are added to the server certificate (localhost, 127.0.0.1
	// and ::1 always are).
	Hostnames []string
	Logger    *slog.Logger
}

// Fault makes matching requests fail.
type Fault struct {
	// Match is a substring of the request path (after URL decoding), for
	// example "getTeamsDeviceUsageUserCounts", "callRecords", "oauth2".
	Match string `json:"match"`
	// Status is the HTTP status to answer (429, 503, 500, 401, …).
	Status int `json:"status"`
	// RetryAfter, when positive, is sent as Retry-After (whole seconds).
	RetryAfter time.Duration `json:"retry_after"`
	// Times is how many requests fail; a negative value means all.
	Times int `json:"times"`
}

// Request is one request the simulator answered.
type Request struct {
	Time          time.Time
	Method, Path  string
	RawQuery      string
	Status        int
	Authorization bool
}

// Server is a running simulator.
type Server struct {
	opts   Options
	ca     *authority
	ln     net.Listener
	srv    *http.Server
	url    string
	logger *slog.Logger

	throttle *throttle

	mu        sync.Mutex
	tokens    map[string]issued // token → expiry and app
	downloads map[string]download
	faults    []*Fault
	log       []Request
	tokenReqs int
}

type issued struct {
	expires time.Time
	client  string
}

type download struct {
	report        string
	refresh, from time.Time
	period        int
	expires       time.Time
}

// Start starts a simulator listening on addr (host:port; "" means a free
// loopback port).
func Start(addr string, opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.ReportLag == 0 {
		opts.ReportLag = 2
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 60
	}
	if opts.RequestLog == 0 {
		opts.RequestLog = 100000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ca, err := newAuthority(opts.Hostnames)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("graphsim: listen: %w", err)
	}
	s := &Server{opts: opts, ca: ca, ln: ln, logger: opts.Logger, throttle: newThrottle(opts.TimeScale),
		tokens: map[string]issued{}, downloads: map[string]download{}}
	host := ln.Addr().String()
	if h, p, err := net.SplitHostPort(host); err == nil && (h == "127.0.0.1" || h == "::" || h == "0.0.0.0" || h == "::1") {
		host = net.JoinHostPort("127.0.0.1", p)
		if h == "::1" {
			host = net.JoinHostPort("::1", p)
		}
	}
	s.url = "https://" + host
	s.srv = &http.Server{
		Handler:           s,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{ca.server}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	go func() { _ = s.srv.ServeTLS(ln, "", "") }()
	return s, nil
}

// URL is the simulator's origin (https://127.0.0.1:PORT).
func (s *Server) URL() string { return s.url }

// BaseURL is the value for KRETSLOPP_GRAPH_BASE_URL.
func (s *Server) BaseURL() string { return s.url + "/v1.0" }

// AuthorityHost is the value for KRETSLOPP_GRAPH_AUTHORITY_HOST.
func (s *Server) AuthorityHost() string { return s.url + "/" }

// CACertPEM is the simulator CA certificate (for SSL_CERT_FILE).
func (s *Server) CACertPEM() []byte { return s.ca.caPEM }

// CertPool trusts the simulator CA.
func (s *Server) CertPool() *x509.CertPool { return s.ca.pool }

// HTTPClient returns an http.Client that trusts the simulator CA.
func (s *Server) HTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: s.ca.pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}
}

// Close stops the simulator.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// AddFault installs a fault rule (rules are tried in the order added).
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// ExpireTokens makes every access token issued so far expired, so the next
// Graph request with one of them gets 401 InvalidAuthenticationToken.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.opts.Now().Add(-time.Minute)
	for t, v := range s.tokens {
		v.expires = past
		s.tokens[t] = v
	}
}

// TokenRequests is the number of token requests answered with a token.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// Requests returns the requests answered so far (the last 100,000).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ReportRefreshDate is the "Report Refresh Date" the reports carry now.
func (s *Server) ReportRefreshDate() time.Time {
	return truncDay(s.opts.Now()).AddDate(0, 0, -s.opts.ReportLag)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.mu.Lock()
		if s.opts.RequestLog < 0 {
			s.mu.Unlock()
			return
		}
		if len(s.log) >= s.opts.RequestLog {
			s.log = s.log[1:]
		}
		s.log = append(s.log, Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Status: rec.status, Authorization: r.Header.Get("Authorization") != ""})
		s.mu.Unlock()
		s.logger.Debug("graphsim request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
	}()
	w = rec
	path := r.URL.Path
	if strings.HasPrefix(path, "/_sim/") {
		s.serveAdmin(w, r)
		return
	}
	if f := s.takeFault(path); f != nil {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
		}
		code := "serviceUnavailable"
		switch f.Status {
		case http.StatusTooManyRequests:
			code = "TooManyRequests"
		case http.StatusUnauthorized:
			code = "InvalidAuthenticationToken"
		}
		graphError(w, f.Status, code, "injected fault")
		return
	}
	switch {
	case path == "/common/discovery/instance":
		s.serveInstanceDiscovery(w, r)
	case strings.HasSuffix(path, "/v2.0/.well-known/openid-configuration"):
		s.serveOpenIDConfiguration(w, r)
	case strings.HasSuffix(path, "/oauth2/v2.0/token"):
		s.serveToken(w, r)
	case strings.HasPrefix(path, "/download/"):
		s.serveDownload(w, r)
	case path == "/msi/token" && s.opts.IdentityHeader != "":
		s.serveManagedIdentity(w, r)
	case strings.HasPrefix(path, "/v1.0/"):
		if !s.authorized(w, r) {
			return
		}
		switch {
		case strings.HasPrefix(path, "/v1.0/reports/"):
			s.serveReport(w, r)
		case path == "/v1.0/communications/callRecords":
			s.serveCallRecords(w, r)
		case recordPath.MatchString(path):
			s.serveCallRecord(w, r, recordPath.FindStringSubmatch(path))
		default:
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource not found for the segment.")
		}
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !strings.Contains(path, f.Match) {
			continue
		}
		c := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &c
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]string{"date": time.Now().UTC().Format(time.RFC3339), "request-id": newID(), "client-request-id": newID()},
	}})
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) tenantOf(path string) string {
	return strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
}

func (s *Server) serveInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := "common"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		if i := strings.Index(ae, "://"); i >= 0 {
			if parts := strings.Split(ae[i+3:], "/"); len(parts) > 1 {
				tenant = parts[1]
			}
		}
	}
	host := strings.TrimPrefix(s.url, "https://")
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": s.url + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  []map[string]any{{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}

func (s *Server) serveOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	tenant := s.tenantOf(r.URL.Path)
	if s.opts.TenantID != "" && tenant != s.opts.TenantID && tenant != "organizations" && tenant != "common" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant '" + tenant + "' not found."})
		return
	}
	base := s.url + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "graph.simulator.local",
		"msgraph_host":                          strings.TrimPrefix(s.url, "https://"),
	})
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{7000215}, "timestamp": time.Now().UTC().Format("2006-01-02 15:04:05Z"), "trace_id": newID(), "correlation_id": newID()})
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.")
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	tenant := s.tenantOf(r.URL.Path)
	if s.opts.TenantID != "" && tenant != s.opts.TenantID {
		tokenError(w, http.StatusBadRequest, "invalid_request", "AADSTS90002: Tenant '"+tenant+"' not found.")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: grant_type "+g+" is not supported by the simulator.")
		return
	}
	clientID := r.PostForm.Get("client_id")
	if s.opts.ClientID != "" && clientID != s.opts.ClientID {
		tokenError(w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '"+clientID+"' was not found.")
		return
	}
	hasDefault := false
	for _, sc := range strings.Fields(r.PostForm.Get("scope")) {
		hasDefault = hasDefault || strings.HasSuffix(sc, "/.default")
	}
	if !hasDefault {
		tokenError(w, http.StatusBadRequest, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
		return
	}
	switch {
	case r.PostForm.Get("client_assertion") != "" && r.PostForm.Get("client_assertion_type") != assertionType:
		// v2-oauth2-client-creds-grant-flow.md: client_assertion_type must be
		// urn:ietf:params:oauth:client-assertion-type:jwt-bearer.
		tokenError(w, http.StatusBadRequest, "invalid_request", "AADSTS50027: client_assertion_type must be "+assertionType+".")
		return
	case r.PostForm.Get("client_secret") != "":
		if s.opts.ClientSecret != "" && r.PostForm.Get("client_secret") != s.opts.ClientSecret {
			tokenError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
			return
		}
	case r.PostForm.Get("client_assertion") != "":
		if err := s.verifyAssertion(r.PostForm.Get("client_assertion"), clientID); err != nil {
			tokenError(w, http.StatusUnauthorized, "invalid_client", "AADSTS700027: Client assertion failed signature validation: "+err.Error())
			return
		}
	default:
		tokenError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	tok := s.issue(clientID)
	secs := int(s.opts.TokenLifetime / time.Second)
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok})
}

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// issue makes an access token for an app.
func (s *Server) issue(clientID string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := "sim." + base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	s.tokens[tok] = issued{expires: s.opts.Now().Add(s.opts.TokenLifetime), client: clientID}
	s.tokenReqs++
	s.mu.Unlock()
	return tok
}

// clientOf is the app a Graph request's token was issued to.
func (s *Server) clientOf(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[tok].client
}

// serveManagedIdentity is the managed identity endpoint of App Service and
// Container Apps (azure-docs articles/container-apps/managed-identity.md,
// "REST endpoint reference"; azure-docs articles/app-service/overview-managed-identity.md):
// GET {IDENTITY_ENDPOINT}?resource=…&api-version=2019-08-01 with the
// X-IDENTITY-HEADER header, optional client_id of a user-assigned identity;
// the answer carries access_token, expires_on (unix seconds as a string),
// resource, token_type and client_id.
func (s *Server) serveManagedIdentity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.Header.Get("X-IDENTITY-HEADER") != s.opts.IdentityHeader:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "X-IDENTITY-HEADER is missing or wrong."})
		return
	case q.Get("api-version") < "2019-08-01":
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "api-version must be 2019-08-01 or later."})
		return
	case q.Get("resource") == "":
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "resource is required."})
		return
	}
	client := q.Get("client_id")
	if client == "" {
		client = "system-assigned"
	}
	tok := s.issue(client)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "expires_on": strconv.FormatInt(s.opts.Now().Add(s.opts.TokenLifetime).Unix(), 10),
		"resource": q.Get("resource"), "token_type": "Bearer", "client_id": client,
	})
}

// authorized checks the bearer token of a Graph request.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return false
	}
	s.mu.Lock()
	t, known := s.tokens[tok]
	s.mu.Unlock()
	exp := t.expires
	if !known {
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
		return false
	}
	if !s.opts.Now().Before(exp) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+s.url+`/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="invalid_token", error_description="Lifetime validation failed, the token is expired."`)
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
		return false
	}
	return true
}

var reportPath = regexp.MustCompile(`^/v1\.0/reports/(get\w+)\((?:period='?(D\d+)'?|date=([0-9-]+))\)$`)

func (s *Server) serveReport(w http.ResponseWriter, r *http.Request) {
	m := reportPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "Unsupported report request.")
		return
	}
	report := m[1]
	if _, ok := Headers[report]; !ok {
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+report+"'.")
		return
	}
	// Every report API has its own limit (concepts/throttling-limits.md);
	// retries count.
	if wait, ok := s.throttle.admit(
		check{key: "reports/app/" + s.clientOf(r) + "/" + report, limit: limitReportApp, kind: "reports"},
		check{key: "reports/tenant/" + report, limit: limitReportTenant, kind: "reports"}); !ok {
		s.tooMany(w, wait)
		return
	}
	refresh := s.ReportRefreshDate()
	d := download{report: report, refresh: refresh, expires: time.Now().Add(5 * time.Minute)}
	switch {
	case m[2] != "":
		switch m[2] {
		case "D7", "D30", "D90", "D180":
		default:
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid value for period: "+m[2]+". Supported values are D7, D30, D90 and D180.")
			return
		}
		d.period, _ = strconv.Atoi(m[2][1:])
		d.from = refresh.AddDate(0, 0, 1-d.period)
	default:
		if report != ReportTeamsUserActivityUserDetail {
			graphError(w, http.StatusBadRequest, "BadRequest", "The date parameter is not supported by "+report+".")
			return
		}
		day, err := time.Parse(dateFmt, m[3])
		if err != nil {
			graphError(w, http.StatusBadRequest, "BadRequest", "Invalid date: "+m[3])
			return
		}
		// The page says the report by date covers "the past 30 days";
		// real tenants answer 400 InvalidArgument "Invalid date value
		// specified: 2020-06-03. Only support data for the past 28 days."
		// for a date 28 days back on 2020-07-01 (microsoft-graph-docs-contrib
		// issues #793 and #8720, recorded against Graph). A date in the
		// future is no more valid.
		today := truncDay(s.opts.Now())
		if !day.After(today.AddDate(0, 0, -28)) || day.After(today) {
			graphError(w, http.StatusBadRequest, "InvalidArgument", "Invalid date value specified: "+m[3]+". Only support data for the past 28 days.")
			return
		}
		// The report for one date lists that day's activity; its Report
		// Refresh Date column says when the tenant's data was last updated
		// (Microsoft: the admin center's "last updated"), which is a later
		// day than the date asked for. A date inside the reporting lag has
		// no data yet: the pages do not say what Graph answers then; the
		// simulator serves the CSV header without rows.
		d.from, d.period = day, 1
		if day.After(refresh) {
			d.period = 0
		}
	}
	id := newID()
	s.mu.Lock()
	s.downloads[id] = d
	s.mu.Unlock()
	w.Header().Set("Location", s.url+"/download/"+id)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusFound)
}

func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		// Like the real pre-authenticated blob URL: an Authorization header
		// is not expected and is refused.
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidAuthenticationInfo</Code><Message>Authentication information is not given in the correct format.</Message></Error>`)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/download/")
	s.mu.Lock()
	d, ok := s.downloads[id]
	for k, v := range s.downloads {
		if time.Now().After(v.expires) {
			delete(s.downloads, k)
		}
	}
	s.mu.Unlock()
	if !ok || time.Now().After(d.expires) {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s_%s.csv"`, strings.TrimPrefix(d.report, "get"), d.refresh.Format(dateFmt)))
	var err error
	if d.report == ReportTeamsUserActivityUserDetail {
		err = s.opts.Story.writeUserDetail(w, "Kretslopp kommun", d.refresh, d.from, d.period)
	} else {
		err = s.opts.Story.writeReport(w, d.report, d.refresh, d.period)
	}
	if err != nil {
		s.logger.Warn("graphsim: writing report", "report", d.report, "err", err)
	}
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodPost:
		var f struct {
			Fault
			RetryAfterS int `json:"retry_after_s"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&f); err != nil || f.Match == "" || f.Status < 100 || f.Status > 599 {
			http.Error(w, "want JSON {match, status, retry_after_s, times}", http.StatusBadRequest)
			return
		}
		f.Fault.RetryAfter = time.Duration(f.RetryAfterS) * time.Second
		if f.Fault.Times == 0 {
			f.Fault.Times = 1
		}
		s.AddFault(f.Fault)
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/_sim/expire-tokens" && r.Method == http.MethodPost:
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/_sim/info":
		writeJSON(w, http.StatusOK, map[string]any{
			"base_url": s.BaseURL(), "authority_host": s.AuthorityHost(), "now": s.opts.Now().UTC().Format(time.RFC3339),
			"report_refresh_date": s.ReportRefreshDate().Format(dateFmt), "token_requests": s.TokenRequests(),
		})
	default:
		http.NotFound(w, r)
	}
}

var errBadAssertion = errors.New("malformed client assertion")
