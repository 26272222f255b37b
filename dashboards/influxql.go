package dashboards

import (
	"errors"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

// Result formats of an InfluxDB target.
const (
	TimeSeries = "time_series"
	Table      = "table"
)

// InfluxQL is a target of Grafana's InfluxDB data source in raw InfluxQL
// mode (the foundation SDK has no InfluxDB query type). Its JSON is what
// Grafana saves for a raw query: refId, datasource, query, rawQuery and
// resultFormat, plus alias when set.
type InfluxQL struct {
	RefID        string                `json:"refId"`
	Datasource   *common.DataSourceRef `json:"datasource,omitempty"`
	Query        string                `json:"query"`
	RawQuery     bool                  `json:"rawQuery"`
	ResultFormat string                `json:"resultFormat"`
	Alias        string                `json:"alias,omitempty"`
}

var _ variants.Dataquery = InfluxQL{}

// ImplementsDataqueryVariant marks InfluxQL as a panel target.
func (InfluxQL) ImplementsDataqueryVariant() {}

// DataqueryType is the data source plugin id.
func (InfluxQL) DataqueryType() string { return "influxdb" }

// Validate refuses a target without a query or with an unknown format.
func (q InfluxQL) Validate() error {
	if q.Query == "" {
		return errors.New("influxql: empty query")
	}
	if q.ResultFormat != TimeSeries && q.ResultFormat != Table {
		return errors.New("influxql: resultFormat must be time_series or table")
	}
	return nil
}

// Equals compares two targets.
func (q InfluxQL) Equals(other variants.Dataquery) bool {
	o, ok := other.(InfluxQL)
	if !ok {
		return false
	}
	sameDS := (q.Datasource == nil) == (o.Datasource == nil)
	if sameDS && q.Datasource != nil {
		sameDS = ptrEq(q.Datasource.Type, o.Datasource.Type) && ptrEq(q.Datasource.Uid, o.Datasource.Uid)
	}
	return sameDS && q.RefID == o.RefID && q.Query == o.Query && q.RawQuery == o.RawQuery &&
		q.ResultFormat == o.ResultFormat && q.Alias == o.Alias
}

func ptrEq(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// QueryBuilder builds an InfluxQL target; it is a cog.Builder so that the
// SDK's panel builders take it like any generated query type.
type QueryBuilder struct{ q InfluxQL }

var _ cog.Builder[variants.Dataquery] = (*QueryBuilder)(nil)

// Query starts a raw InfluxQL target on the dashboard's ${datasource}.
func Query(refID, format, influxql string) *QueryBuilder {
	return &QueryBuilder{q: InfluxQL{RefID: refID, Datasource: datasourceRef(), Query: influxql, RawQuery: true, ResultFormat: format}}
}

// Alias sets the series name pattern (for example "$tag_battery").
func (b *QueryBuilder) Alias(alias string) *QueryBuilder {
	b.q.Alias = alias
	return b
}

// Build returns the target.
func (b *QueryBuilder) Build() (variants.Dataquery, error) {
	if err := b.q.Validate(); err != nil {
		return nil, cog.MakeBuildErrors("influxql", err)
	}
	return b.q, nil
}
