package devices

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
)

// API serves the read API: GET /api/v1/devices/{id} (one device's story,
// by device ID, hostname or serial) and GET /api/v1/devices?flag=… (the
// list), behind read tokens. docs/api.md documents the JSON.
type API struct {
	Q      Querier
	Tokens *auth.Tokens
	Log    *slog.Logger
	Now    func() time.Time
}

// Register adds the routes to mux (anything with Handle).
func (a *API) Register(mux interface {
	Handle(pattern string, h http.Handler)
}) {
	mux.Handle("GET /api/v1/devices", a.auth(http.HandlerFunc(a.list)))
	mux.Handle("GET /api/v1/devices/{id}", a.auth(http.HandlerFunc(a.device)))
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

type apiError struct {
	Error string `json:"error"`
}

func (a *API) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.Tokens.Check(w, r, "kretslopp-read"); !ok {
			writeJSON(w, http.StatusUnauthorized, apiError{"a valid read token is required (Authorization: Bearer …)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *API) device(w http.ResponseWriter, r *http.Request) {
	d, err := Story(r.Context(), a.Q, r.PathValue("id"), a.now())
	switch {
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{"no device with that ID, hostname or serial"})
	case err != nil:
		a.Log.Error("device story", "err", err)
		writeJSON(w, http.StatusBadGateway, apiError{"InfluxDB could not be read"})
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

// ListResponse is the body of GET /api/v1/devices.
type ListResponse struct {
	Flag    string    `json:"flag,omitempty"`
	Count   int       `json:"count"`
	Devices []Summary `json:"devices"`
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	flag := r.URL.Query().Get("flag")
	if flag != "" && !ValidFlag(flag) {
		writeJSON(w, http.StatusBadRequest, apiError{"unknown flag; use one of " + strings.Join(AllFlags, ", ")})
		return
	}
	list, err := List(r.Context(), a.Q, a.now(), flag)
	if err != nil {
		a.Log.Error("device list", "err", err)
		writeJSON(w, http.StatusBadGateway, apiError{"InfluxDB could not be read"})
		return
	}
	writeJSON(w, http.StatusOK, ListResponse{Flag: flag, Count: len(list), Devices: list})
}
