package config

import (
	"testing"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// The collector refuses points older than its ingest.max_age, which
// defaults to schema.AgentSpoolMaxAge plus a week: the agent's default
// spool age must be that constant, or the collector would refuse reports
// a default agent may still deliver.
func TestDefaultSpoolMaxAgeIsTheContracts(t *testing.T) {
	if DefaultSpoolMaxAge != schema.AgentSpoolMaxAge {
		t.Errorf("DefaultSpoolMaxAge %s, internal/schema's AgentSpoolMaxAge %s: change both", DefaultSpoolMaxAge, schema.AgentSpoolMaxAge)
	}
}
