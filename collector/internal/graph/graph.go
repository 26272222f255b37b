// Package graph is the collector's only use of msgraph-sdk-go and
// azidentity: it implements pull.Source against Microsoft Graph (or the
// local simulator, or a sovereign cloud).
//
// Reports: the SDK's request builders build the request (URL template,
// period/date parameter) and its Azure Identity authentication provider
// attaches the token (adapter.ConvertToNativeRequest). The request is then
// sent without following redirects, and the pre-authenticated 302 Location
// is downloaded with a plain request carrying no Authorization header, as
// Graph requires, and streamed to the CSV decoder. The SDK's own Get() would
// return the whole CSV as []byte; streaming keeps memory flat however large
// the tenant (the per-user report has one row per user).
//
// The request builders are msgraph-sdk-go's own communications and reports
// packages over msgraph-sdk-go-core's adapter, set up as GraphServiceClient
// sets them up (service.go), without the SDK's root package.
//
// Call records: the SDK's typed client lists /communications/callRecords
// with $filter on startDateTime and follows @odata.nextLink page by page
// (WithUrl), handing each record on and keeping nothing.
//
// Participants: one Get callRecord with $expand=participants_v2 per group
// meeting, then List participants_v2 pages beyond 130 entries; only the
// number of entries leaves this package.
//
// All HTTP goes through pull.RetryTransport (pacing by the documented
// limits, Retry-After on 429/503 up to graph.max_wait, exponential backoff
// with jitter otherwise, a timeout per attempt). A 401 (expired or revoked
// token) makes the credential fetch a fresh token once and the request is
// repeated.
//
// Credentials (azidentity): client secret, client certificate (PEM, or
// PKCS#12 with a password), managed identity, workload identity.
package graph

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/communications"
	graphcallrecords "github.com/microsoftgraph/msgraph-sdk-go/models/callrecords"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/kretslopp/kretslopp/collector/internal/callrecords"
	"github.com/kretslopp/kretslopp/collector/internal/config"
	"github.com/kretslopp/kretslopp/collector/internal/pull"
	"github.com/kretslopp/kretslopp/internal/retry"
)

// Options for New beyond the configuration.
type Options struct {
	// Transport is the base HTTP transport (default: a clone of
	// http.DefaultTransport, which trusts the system roots and
	// SSL_CERT_FILE). Tests pass one trusting the simulator CA.
	Transport http.RoundTripper
	// Retry tunes the retry policy (Base, MaxWait and Stats are set by
	// New unless given).
	Retry pull.RetryTransport
	// Pacing is the set of limiters (default: the documented limits at
	// the configuration's time scale).
	Pacing *pull.Pacing
	Logger *slog.Logger
}

// Client is a Graph client for the pull.
type Client struct {
	cfg      config.GraphConfig
	cred     *refreshingCredential
	adapter  *msgraphcore.GraphRequestAdapterBase
	graph    graphService
	api      *http.Client // Graph API, no redirects
	download *http.Client // pre-authenticated URLs, never an Authorization header
	pacing   *pull.Pacing
	stats    *pull.RetryStats
	logger   *slog.Logger
}

// Stats are the retry counters of every request the client made.
func (c *Client) Stats() *pull.RetryStats { return c.stats }

// publicAuthorities are the Entra ID hosts MSAL knows; any other authority
// host (a disconnected cloud, the simulator) needs instance discovery off,
// since discovery would otherwise ask login.microsoftonline.com.
var publicAuthorities = map[string]bool{
	"login.microsoftonline.com": true, "login.microsoft.com": true, "login.windows.net": true, "sts.windows.net": true,
	"login.microsoftonline.us": true, "login-us.microsoftonline.com": true, "login.usgovcloudapi.net": true,
	"login.chinacloudapi.cn": true, "login.partner.microsoftonline.cn": true, "login.microsoftonline.de": true,
}

// Scope returns the client-credentials scope for a Graph base URL:
// https://graph.microsoft.com/.default for the worldwide cloud,
// https://graph.microsoft.us/.default for US Government, and so on.
func Scope(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("graph base URL %q is not an https URL", baseURL)
	}
	return "https://" + u.Host + "/.default", nil
}

// New builds the credential and the Graph client from the configuration.
func New(cfg config.GraphConfig, opts Options) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := opts.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		base = t
	}
	policy := opts.Retry
	policy.Base = base
	if policy.Logger == nil {
		policy.Logger = logger
	}
	if policy.MaxWait == 0 {
		policy.MaxWait = cfg.MaxWait
	}
	if policy.Stats == nil {
		policy.Stats = &pull.RetryStats{}
	}
	// Against the simulator run faster, its faults are answered faster too:
	// the backoff (1 s to 60 s against Graph) is divided by the same scale.
	if cfg.TimeScale > 1 && policy.BaseDelay == 0 && policy.MaxDelay == 0 {
		policy.BaseDelay = time.Duration(float64(retry.DefaultBase) / cfg.TimeScale)
		policy.MaxDelay = time.Duration(float64(retry.DefaultMax) / cfg.TimeScale)
	}
	retrying := &policy
	pacing := opts.Pacing
	if pacing == nil {
		pacing = pull.NewPacing(cfg.TimeScale)
	}

	authority, err := url.Parse(cfg.AuthorityHost)
	if err != nil || authority.Host == "" {
		return nil, fmt.Errorf("graph authority host %q: not a URL", cfg.AuthorityHost)
	}
	co := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost},
		Transport: &http.Client{Transport: base, Timeout: time.Minute},
	}
	disableDiscovery := !publicAuthorities[strings.ToLower(authority.Hostname())]
	cred, err := newCredential(cfg, co, disableDiscovery)
	if err != nil {
		return nil, err
	}
	rc := &refreshingCredential{inner: cred}

	scope, err := Scope(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	graphURL, _ := url.Parse(cfg.BaseURL)
	// kiota's Azure provider attaches tokens only to allowed hosts: the
	// configured Graph host must be one of them (sovereign cloud, simulator).
	hosts := []string{"graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn", graphURL.Hostname()}
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(rc, []string{scope}, hosts)
	if err != nil {
		return nil, fmt.Errorf("graph authentication provider: %w", err)
	}
	// No client timeout: a Retry-After may be long (up to graph.max_wait);
	// every attempt has its own timeout in the retry transport.
	sdkHTTP := &http.Client{Transport: retrying}
	// The client options only feed the SDK's default middleware (telemetry
	// header), which a client of our own replaces (msgraph-sdk-go-core's
	// graph_request_adapter_base.go).
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, msgraphcore.GraphClientOptions{}, nil, nil, sdkHTTP)
	if err != nil {
		return nil, fmt.Errorf("graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(strings.TrimRight(cfg.BaseURL, "/"))
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		cfg: cfg, cred: rc, adapter: adapter, graph: newGraphService(adapter),
		api:      &http.Client{Transport: retrying, CheckRedirect: noRedirect},
		download: &http.Client{Transport: retrying, CheckRedirect: noRedirect},
		pacing:   pacing, stats: retrying.Stats,
		logger: logger,
	}, nil
}

// refreshingCredential passes through to azidentity, except that after a
// 401 the next token request carries a claims challenge, which makes MSAL
// skip its cache and fetch a new token.
type refreshingCredential struct {
	inner azcore.TokenCredential
	force atomic.Bool
}

func (c *refreshingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if c.force.CompareAndSwap(true, false) && o.Claims == "" {
		o.Claims = fmt.Sprintf(`{"access_token":{"nbf":{"essential":true,"value":"%d"}}}`, time.Now().Unix())
	}
	return c.inner.GetToken(ctx, o)
}

// Token fetches a token (to check the credentials before a run).
func (c *Client) Token(ctx context.Context) error {
	scope, _ := Scope(c.cfg.BaseURL)
	_, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	return err
}

// reportRequest builds the SDK request for a report.
func (c *Client) reportRequest(ctx context.Context, name, period string, date time.Time) (*abstractions.RequestInformation, error) {
	r := c.graph.reports
	p := &period
	if period == "" {
		if name != "getTeamsUserActivityUserDetail" {
			return nil, fmt.Errorf("report %s has no date variant", name)
		}
		return r.GetTeamsUserActivityUserDetailWithDate(serialization.NewDateOnly(date)).ToGetRequestInformation(ctx, nil)
	}
	switch name {
	case "getTeamsUserActivityCounts":
		return r.GetTeamsUserActivityCountsWithPeriod(p).ToGetRequestInformation(ctx, nil)
	case "getTeamsUserActivityUserDetail":
		return r.GetTeamsUserActivityUserDetailWithPeriod(p).ToGetRequestInformation(ctx, nil)
	case "getTeamsDeviceUsageUserCounts":
		return r.GetTeamsDeviceUsageUserCountsWithPeriod(p).ToGetRequestInformation(ctx, nil)
	case "getSkypeForBusinessOrganizerActivityCounts":
		return r.GetSkypeForBusinessOrganizerActivityCountsWithPeriod(p).ToGetRequestInformation(ctx, nil)
	case "getSkypeForBusinessParticipantActivityCounts":
		return r.GetSkypeForBusinessParticipantActivityCountsWithPeriod(p).ToGetRequestInformation(ctx, nil)
	case "getSkypeForBusinessPeerToPeerActivityCounts":
		return r.GetSkypeForBusinessPeerToPeerActivityCountsWithPeriod(p).ToGetRequestInformation(ctx, nil)
	}
	return nil, fmt.Errorf("unknown report %s", name)
}

// StatusError is a Graph answer other than success.
type StatusError struct {
	Status  int
	Code    string
	Message string
}

func (e *StatusError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("graph: %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("graph: %d %s", e.Status, http.StatusText(e.Status))
}

func statusError(resp *http.Response) error {
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(b, &body)
	return &StatusError{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message}
}

// Report implements pull.Source.
func (c *Client) Report(ctx context.Context, name, period string, date time.Time) (io.ReadCloser, error) {
	apiCtx := pull.WithLimiters(ctx, c.pacing.Report(name))
	for attempt := 0; ; attempt++ {
		info, err := c.reportRequest(ctx, name, period, date)
		if err != nil {
			return nil, err
		}
		native, err := c.adapter.ConvertToNativeRequest(ctx, info)
		if err != nil {
			return nil, fmt.Errorf("graph: authenticating %s: %w", name, err)
		}
		req := native.(*http.Request).WithContext(apiCtx)
		resp, err := c.api.Do(req)
		if err != nil {
			return nil, fmt.Errorf("graph: %s: %w", name, err)
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			drain(resp)
			c.logger.Warn("graph token refused, fetching a new one", "report", name)
			c.cred.force.Store(true)
			continue
		case resp.StatusCode == http.StatusOK:
			return resp.Body, nil // a proxy followed the redirect for us
		case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
			loc := resp.Header.Get("Location")
			drain(resp)
			return c.fetch(ctx, req.URL, loc)
		default:
			err := statusError(resp)
			drain(resp)
			var se *StatusError
			if period == "" && errors.As(err, &se) && notAvailable(se) {
				return nil, fmt.Errorf("%w: %s", pull.ErrNotAvailable, se)
			}
			return nil, err
		}
	}
}

// notAvailable tells Graph's answer to a date outside the report's window:
// 400 InvalidArgument "Invalid date value specified: … Only support data
// for the past 28 days." (microsoft-graph-docs-contrib issues #793, #8720).
func notAvailable(se *StatusError) bool {
	if se.Status != http.StatusBadRequest {
		return false
	}
	return strings.EqualFold(se.Code, "InvalidArgument") || strings.Contains(strings.ToLower(se.Message), "date")
}

// fetch downloads a pre-authenticated report URL without Authorization.
func (c *Client) fetch(ctx context.Context, from *url.URL, location string) (io.ReadCloser, error) {
	u, err := from.Parse(location)
	if err != nil {
		return nil, fmt.Errorf("graph: report download URL: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.download.Do(req)
	if err != nil {
		// The URL is a credential; do not put it in the error.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("graph: downloading report from %s: %w", u.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		drain(resp)
		return nil, fmt.Errorf("graph: downloading report from %s: %s", u.Host, resp.Status)
	}
	return resp.Body, nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// CallRecords implements pull.Source: it lists the call records that started
// in [from, to) with the SDK, one page at a time, each page paced by the
// documented list limits (first page, subsequent pages).
func (c *Client) CallRecords(ctx context.Context, from, to time.Time, each func(callrecords.Record) error) error {
	filter := fmt.Sprintf("startDateTime ge %s and startDateTime lt %s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	builder := c.graph.communications.CallRecords()
	conf := &communications.CallRecordsRequestBuilderGetRequestConfiguration{
		QueryParameters: &communications.CallRecordsRequestBuilderGetQueryParameters{Filter: &filter},
	}
	pages := 0
	for {
		limit := c.pacing.ListFirst
		if pages > 0 {
			limit = c.pacing.ListNext
		}
		pageCtx := pull.WithLimiters(ctx, c.pacing.CallRecords, limit)
		var page interface {
			GetOdataNextLink() *string
		}
		var records []graphcallrecords.CallRecordable
		for attempt := 0; ; attempt++ {
			resp, err := builder.Get(pageCtx, conf)
			if err != nil {
				if status(err) == http.StatusUnauthorized && attempt == 0 {
					c.logger.Warn("graph token refused, fetching a new one", "endpoint", "callRecords")
					c.cred.force.Store(true)
					continue
				}
				return fmt.Errorf("graph: callRecords page %d: %w", pages+1, describe(err))
			}
			page = resp
			records = resp.GetValue()
			break
		}
		pages++
		for _, r := range records {
			rec := callrecords.Record{Type: "unknown"}
			if id := r.GetId(); id != nil {
				rec.ID = *id
			}
			if t := r.GetTypeEscaped(); t != nil {
				rec.Type = t.String()
			}
			if t := r.GetStartDateTime(); t != nil {
				rec.Start = *t
			}
			if t := r.GetEndDateTime(); t != nil {
				rec.End = *t
			}
			for _, m := range r.GetModalities() {
				rec.Modalities = append(rec.Modalities, m.String())
			}
			if err := each(rec); err != nil {
				return err
			}
		}
		next := page.GetOdataNextLink()
		if next == nil || *next == "" {
			c.logger.Debug("call records listed", "pages", pages)
			return nil
		}
		builder = c.graph.communications.CallRecords().WithUrl(*next)
		conf = nil
	}
}

// Participants implements pull.Source: Get callRecord with
// $expand=participants_v2, then the participants_v2 pages after the first
// 130 (api-reference/v1.0/api/callrecords-callrecord-get.md), each paced by
// the per-record limits. It returns the number of entries; the entries
// themselves (names, ids) are dropped here.
func (c *Client) Participants(ctx context.Context, id string) (int, error) {
	first, later := c.pacing.Record()
	item := c.graph.communications.CallRecords().ByCallRecordId(id)
	conf := &communications.CallRecordsCallRecordItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &communications.CallRecordsCallRecordItemRequestBuilderGetQueryParameters{Expand: []string{"participants_v2"}},
	}
	var rec graphcallrecords.CallRecordable
	for attempt := 0; ; attempt++ {
		r, err := item.Get(pull.WithLimiters(ctx, c.pacing.CallRecords, first), conf)
		if err != nil {
			if status(err) == http.StatusUnauthorized && attempt == 0 {
				c.cred.force.Store(true)
				continue
			}
			return 0, fmt.Errorf("graph: callRecord participants: %w", describe(err))
		}
		rec = r
		break
	}
	n := len(rec.GetParticipantsV2())
	next := annotation(rec.GetAdditionalData(), "participants_v2@odata.nextLink")
	for pages := 1; next != ""; pages++ {
		resp, err := item.Participants_v2().WithUrl(followable(next, c.cfg.BaseURL)).Get(pull.WithLimiters(ctx, c.pacing.CallRecords, later), nil)
		if err != nil {
			return 0, fmt.Errorf("graph: callRecord participants page %d: %w", pages+1, describe(err))
		}
		n += len(resp.GetValue())
		next = ""
		if p := resp.GetOdataNextLink(); p != nil {
			next = *p
		}
	}
	return n, nil
}

// annotation reads a string instance annotation the SDK kept aside.
func annotation(data map[string]any, key string) string {
	switch v := data[key].(type) {
	case *string:
		if v != nil {
			return *v
		}
	case string:
		return v
	}
	return ""
}

// followable turns the "$metadata#communications/callRecords('id')/participants_v2?…"
// form that the Get callRecord page shows as participants_v2@odata.nextLink
// into a request URL (everything after "#" would not reach the server);
// any other link is used as it is.
func followable(link, baseURL string) string {
	const marker = "/$metadata#"
	i := strings.Index(link, marker)
	if i < 0 {
		return link
	}
	return strings.TrimRight(baseURL, "/") + "/" + link[i+len(marker):]
}

func status(err error) int {
	var api interface{ GetStatusCode() int }
	if errors.As(err, &api) {
		return api.GetStatusCode()
	}
	return 0
}

// describe turns an OData error into a readable one (code and message).
func describe(err error) error {
	var od *odataerrors.ODataError
	if errors.As(err, &od) {
		se := &StatusError{Status: od.GetStatusCode()}
		if e := od.GetErrorEscaped(); e != nil {
			if p := e.GetCode(); p != nil {
				se.Code = *p
			}
			if p := e.GetMessage(); p != nil {
				se.Message = *p
			}
		}
		return se
	}
	return err
}
