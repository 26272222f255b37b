// Package kubernetes holds the Kubernetes manifests of the collector
// (kubectl apply -k): a Deployment of two or more stateless replicas with
// probes on /readyz and /healthz, its Service, Ingress,
// PodDisruptionBudget and NetworkPolicies, and the daily Microsoft Graph
// pull as a CronJob. Secrets are referenced, never kept here. The tests
// decode every manifest strictly against the Kubernetes API types.
package kubernetes
