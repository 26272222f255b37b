package graph

import (
	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoft/kiota-abstractions-go/store"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	textserialization "github.com/microsoft/kiota-serialization-text-go"
	"github.com/microsoftgraph/msgraph-sdk-go/communications"
	"github.com/microsoftgraph/msgraph-sdk-go/reports"
)

// graphService holds the two request builders the pull needs, the same
// ones msgraph-sdk-go's GraphServiceClient hands out from Communications()
// and Reports(). The root package that defines GraphServiceClient imports
// all 84 request-builder packages of Graph v1.0 (users, sites, groups, …);
// compiling, vetting and linting them took about four CPU minutes of every
// cold `make test` (docs/benchmarks.md), for two methods.
type graphService struct {
	communications *communications.CommunicationsRequestBuilder
	reports        *reports.ReportsRequestBuilder
}

// newGraphService does what msgraph-sdk-go's NewGraphBaseServiceClient
// does (graph_base_service_client.go, v1.89.0): register the JSON and text
// serialisers as defaults (form and multipart are only for request bodies
// the pull never sends), default the base URL, enable the in-memory backing
// store, and root every builder at {+baseurl}.
func newGraphService(adapter abstractions.RequestAdapter) graphService {
	abstractions.RegisterDefaultSerializer(func() serialization.SerializationWriterFactory {
		return jsonserialization.NewJsonSerializationWriterFactory()
	})
	abstractions.RegisterDefaultSerializer(func() serialization.SerializationWriterFactory {
		return textserialization.NewTextSerializationWriterFactory()
	})
	abstractions.RegisterDefaultDeserializer(func() serialization.ParseNodeFactory {
		return jsonserialization.NewJsonParseNodeFactory()
	})
	abstractions.RegisterDefaultDeserializer(func() serialization.ParseNodeFactory {
		return textserialization.NewTextParseNodeFactory()
	})
	if adapter.GetBaseUrl() == "" {
		adapter.SetBaseUrl("https://graph.microsoft.com/v1.0")
	}
	adapter.EnableBackingStore(store.BackingStoreFactoryInstance)
	path := func() map[string]string { return map[string]string{"baseurl": adapter.GetBaseUrl()} }
	return graphService{
		communications: communications.NewCommunicationsRequestBuilderInternal(path(), adapter),
		reports:        reports.NewReportsRequestBuilderInternal(path(), adapter),
	}
}
