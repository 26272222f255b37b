package kubernetes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// objects are the decoded manifests by kind.
type objects struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	accounts    []*corev1.ServiceAccount
	namespaces  []*corev1.Namespace
	cronJobs    []*batchv1.CronJob
	policies    []*networkingv1.NetworkPolicy
	ingresses   []*networkingv1.Ingress
	pdbs        []*policyv1.PodDisruptionBudget
}

// decodeAll reads every manifest listed in kustomization.yaml and decodes
// each document strictly into its Kubernetes API type: an unknown or
// misplaced field is an error, as `kubectl apply --validate=strict` would
// report.
func decodeAll(t *testing.T) objects {
	t.Helper()
	var kust struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Namespace  string   `json:"namespace"`
		Resources  []string `json:"resources"`
	}
	data, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &kust); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	files, _ := filepath.Glob("*.yaml")
	for _, f := range files {
		if f != "kustomization.yaml" && !slices.Contains(kust.Resources, f) {
			t.Errorf("%s is not listed in kustomization.yaml", f)
		}
	}
	var o objects
	for _, f := range kust.Resources {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("kustomization resource: %v", err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			if err := o.decode(f, []byte(doc), kust.Namespace); err != nil {
				t.Errorf("%s document %d: %v", f, i+1, err)
			}
		}
	}
	return o
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func strict[T any](doc []byte) (*T, error) {
	v := new(T)
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (o *objects) decode(file string, doc []byte, namespace string) error {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return err
	}
	if meta.Kind == "Secret" {
		return fmt.Errorf("a Secret manifest: secrets are referenced, never kept in the repository")
	}
	if meta.Kind != "Namespace" && meta.Metadata.Namespace != namespace {
		return fmt.Errorf("%s in namespace %q, want %q", meta.Kind, meta.Metadata.Namespace, namespace)
	}
	var err error
	switch meta.APIVersion + " " + meta.Kind {
	case "apps/v1 Deployment":
		var v *appsv1.Deployment
		if v, err = strict[appsv1.Deployment](doc); err == nil {
			o.deployments = append(o.deployments, v)
		}
	case "v1 Service":
		var v *corev1.Service
		if v, err = strict[corev1.Service](doc); err == nil {
			o.services = append(o.services, v)
		}
	case "v1 ConfigMap":
		var v *corev1.ConfigMap
		if v, err = strict[corev1.ConfigMap](doc); err == nil {
			o.configMaps = append(o.configMaps, v)
		}
	case "v1 ServiceAccount":
		var v *corev1.ServiceAccount
		if v, err = strict[corev1.ServiceAccount](doc); err == nil {
			o.accounts = append(o.accounts, v)
		}
	case "v1 Namespace":
		var v *corev1.Namespace
		if v, err = strict[corev1.Namespace](doc); err == nil {
			o.namespaces = append(o.namespaces, v)
		}
	case "batch/v1 CronJob":
		var v *batchv1.CronJob
		if v, err = strict[batchv1.CronJob](doc); err == nil {
			o.cronJobs = append(o.cronJobs, v)
		}
	case "networking.k8s.io/v1 NetworkPolicy":
		var v *networkingv1.NetworkPolicy
		if v, err = strict[networkingv1.NetworkPolicy](doc); err == nil {
			o.policies = append(o.policies, v)
		}
	case "networking.k8s.io/v1 Ingress":
		var v *networkingv1.Ingress
		if v, err = strict[networkingv1.Ingress](doc); err == nil {
			o.ingresses = append(o.ingresses, v)
		}
	case "policy/v1 PodDisruptionBudget":
		var v *policyv1.PodDisruptionBudget
		if v, err = strict[policyv1.PodDisruptionBudget](doc); err == nil {
			o.pdbs = append(o.pdbs, v)
		}
	default:
		return fmt.Errorf("unexpected %s %s (add it to the test)", meta.APIVersion, meta.Kind)
	}
	return err
}

// TestStrictDecodeCatchesTypos proves the decoder is strict: a misspelt
// field fails.
func TestStrictDecodeCatchesTypos(t *testing.T) {
	data, err := os.ReadFile("deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(data, []byte("readinessProbe:"), []byte("readynessProbe:"), 1)
	if _, err := strict[appsv1.Deployment](bad); err == nil {
		t.Fatal("strict decoding accepted readynessProbe")
	}
}

func one[T any](t *testing.T, kind string, list []*T) *T {
	t.Helper()
	if len(list) != 1 {
		t.Fatalf("want one %s, have %d", kind, len(list))
	}
	return list[0]
}

func TestDeployment(t *testing.T) {
	o := decodeAll(t)
	d := one(t, "Deployment", o.deployments)
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas %v: want at least 2 behind the Service", d.Spec.Replicas)
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Error("rolling update may take a collector away before its successor is ready (maxUnavailable must be 0)")
	}
	sel, err := metaSelector(d.Spec.Selector.MatchLabels)
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Error("deployment selector does not match its pod template")
	}
	pod := d.Spec.Template.Spec
	checkPod(t, "deployment", pod)
	c := pod.Containers[0]
	if !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("args %v, want [serve]", c.Args)
	}
	checkProbe(t, "readiness", c.ReadinessProbe, "/readyz", c)
	checkProbe(t, "liveness", c.LivenessProbe, "/healthz", c)
	env := envOf(c)
	if env["KRETSLOPP_AGENT_TOKENS_FILE"] == "" || env["KRETSLOPP_INFLUX_TOKEN_FILE"] == "" {
		t.Errorf("serve needs KRETSLOPP_AGENT_TOKENS_FILE and KRETSLOPP_INFLUX_TOKEN_FILE: %v", env)
	}
	if env["KRETSLOPP_GRAPH_CLIENT_SECRET_FILE"] != "" {
		t.Error("serve gets the Graph secret; only the CronJob needs it")
	}
	checkFilesMounted(t, "deployment", c, pod)

	// The Service and the PDB select exactly these pods.
	svc := one(t, "Service", o.services)
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Error("service selector does not match the collector pods")
	}
	for _, p := range svc.Spec.Ports {
		if p.TargetPort.Type == intstr.String && !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.TargetPort.StrVal }) {
			t.Errorf("service targetPort %q is not a container port", p.TargetPort.StrVal)
		}
	}
	pdb := one(t, "PodDisruptionBudget", o.pdbs)
	pdbSel, err := metaSelector(pdb.Spec.Selector.MatchLabels)
	if err != nil {
		t.Fatal(err)
	}
	if !pdbSel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Error("PDB does not select the collector pods")
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 || pdb.Spec.MinAvailable.IntValue() >= int(*d.Spec.Replicas) {
		t.Errorf("PDB minAvailable %v must be at least 1 and below replicas %d, or drains block", pdb.Spec.MinAvailable, *d.Spec.Replicas)
	}
	ing := one(t, "Ingress", o.ingresses)
	if len(ing.Spec.TLS) == 0 {
		t.Error("ingress without TLS: agent tokens would cross the network in clear")
	}
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			if p.Path != "/v1/metrics" {
				t.Errorf("ingress exposes %s; only /v1/metrics belongs outside", p.Path)
			}
			if p.Backend.Service == nil || p.Backend.Service.Name != svc.Name {
				t.Errorf("ingress backend is not service %s", svc.Name)
			}
		}
	}
}

func TestCronJob(t *testing.T) {
	o := decodeAll(t)
	cj := one(t, "CronJob", o.cronJobs)
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q: two pulls of one tenant must never overlap", cj.Spec.ConcurrencyPolicy)
	}
	if f := strings.Fields(cj.Spec.Schedule); len(f) != 5 || f[2] != "*" || f[3] != "*" || f[4] != "*" {
		t.Errorf("schedule %q: want once a day", cj.Spec.Schedule)
	}
	if cj.Spec.TimeZone == nil {
		t.Error("no timeZone: the schedule would follow the controller's zone")
	}
	job := cj.Spec.JobTemplate.Spec
	if job.ActiveDeadlineSeconds == nil {
		t.Error("no activeDeadlineSeconds: a hung pull would block the next day's (Forbid)")
	}
	pod := job.Template.Spec
	checkPod(t, "cronjob", pod)
	if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("restartPolicy %q", pod.RestartPolicy)
	}
	c := pod.Containers[0]
	if strings.Join(c.Args, " ") != "pull --once" {
		t.Errorf("args %v, want pull --once", c.Args)
	}
	env := envOf(c)
	checkWorkloadIdentity(t, o, cj, env)
	if env["KRETSLOPP_GRAPH_CLIENT_SECRET_FILE"] != "" || env["KRETSLOPP_GRAPH_CLIENT_SECRET"] != "" {
		t.Error("the pull uses workload identity; it needs no Graph client secret")
	}
	budget, err := time.ParseDuration(env["KRETSLOPP_GRAPH_RUN_BUDGET"])
	if err != nil || job.ActiveDeadlineSeconds == nil || budget <= 0 || budget >= time.Duration(*job.ActiveDeadlineSeconds)*time.Second {
		t.Errorf("KRETSLOPP_GRAPH_RUN_BUDGET %q must end the listing before activeDeadlineSeconds %v, so that a long backfill stops cleanly and the next Job resumes", env["KRETSLOPP_GRAPH_RUN_BUDGET"], job.ActiveDeadlineSeconds)
	}
	checkFilesMounted(t, "cronjob", c, pod)
	cm := one(t, "ConfigMap", o.configMaps)
	for _, k := range []string{"KRETSLOPP_GRAPH_TENANT_ID", "KRETSLOPP_GRAPH_CLIENT_ID", "KRETSLOPP_INFLUX_URL", "KRETSLOPP_INFLUX_BUCKET"} {
		if cm.Data[k] == "" {
			t.Errorf("configmap lacks %s", k)
		}
	}
	for k := range cm.Data {
		if regexp.MustCompile(`(TOKEN|SECRET|PASSWORD)$`).MatchString(k) {
			t.Errorf("configmap holds %s: secrets go in Secret volumes", k)
		}
	}
}

// Every collector pod is selected by a NetworkPolicy besides default deny,
// and the namespace denies by default.
func TestNetworkPolicy(t *testing.T) {
	o := decodeAll(t)
	var defaultDeny bool
	d := one(t, "Deployment", o.deployments)
	cj := one(t, "CronJob", o.cronJobs)
	pods := map[string]labels.Set{
		"serve":      d.Spec.Template.Labels,
		"graph-pull": cj.Spec.JobTemplate.Spec.Template.Labels,
	}
	covered := map[string]*networkingv1.NetworkPolicy{}
	for _, np := range o.policies {
		if len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 {
			if len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 && slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
				defaultDeny = true
			}
			continue
		}
		sel, err := metaSelector(np.Spec.PodSelector.MatchLabels)
		if err != nil {
			t.Fatal(err)
		}
		for name, l := range pods {
			if sel.Matches(l) {
				covered[name] = np
			}
		}
	}
	if !defaultDeny {
		t.Error("no default-deny NetworkPolicy")
	}
	for name := range pods {
		np := covered[name]
		if np == nil {
			t.Errorf("no NetworkPolicy selects the %s pods", name)
			continue
		}
		dns := false
		for _, e := range np.Spec.Egress {
			for _, p := range e.Ports {
				if p.Port != nil && p.Port.IntValue() == 53 {
					dns = true
				}
			}
		}
		if !dns {
			t.Errorf("%s policy allows no DNS", name)
		}
	}
	if np := covered["serve"]; np != nil && len(np.Spec.Ingress) == 0 {
		t.Error("serve policy admits no OTLP traffic")
	}
	if np := covered["graph-pull"]; np != nil && len(np.Spec.Ingress) != 0 {
		t.Error("the Graph pull needs no inbound traffic")
	}
}

func TestNamespaceRestricted(t *testing.T) {
	o := decodeAll(t)
	ns := one(t, "Namespace", o.namespaces)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Error("namespace does not enforce the restricted Pod Security Standard")
	}
	if len(o.accounts) == 0 {
		t.Fatal("no ServiceAccount")
	}
	for _, sa := range o.accounts {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("service account %s mounts an API token the collector never uses", sa.Name)
		}
	}
}

func metaSelector(m map[string]string) (labels.Selector, error) {
	if len(m) == 0 {
		return nil, fmt.Errorf("empty selector")
	}
	return labels.SelectorFromSet(m), nil
}

func envOf(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

func checkProbe(t *testing.T, kind string, p *corev1.Probe, path string, c corev1.Container) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe missing or not httpGet", kind)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe path %s, want %s", kind, p.HTTPGet.Path, path)
	}
	port := p.HTTPGet.Port
	ok := slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
		return (port.Type == intstr.String && cp.Name == port.StrVal) || (port.Type == intstr.Int && cp.ContainerPort == port.IntVal)
	})
	if !ok {
		t.Errorf("%s probe port %s is not a container port", kind, port.String())
	}
}

// checkPod holds every pod to the restricted profile and to pinned images,
// resource limits and secrets that are referenced, not inlined.
func checkPod(t *testing.T, what string, pod corev1.PodSpec) {
	t.Helper()
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: want one container", what)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken should be false", what)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext needs runAsNonRoot and seccomp RuntimeDefault", what)
	}
	c := pod.Containers[0]
	if strings.HasSuffix(c.Image, ":latest") || !regexp.MustCompile(`:[0-9]+\.[0-9]+\.[0-9]+$|@sha256:[0-9a-f]{64}$`).MatchString(c.Image) {
		t.Errorf("%s: image %q is not pinned", what, c.Image)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("%s: readOnlyRootFilesystem must be true", what)
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation must be false", what)
	}
	if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
		t.Errorf("%s: capabilities must drop ALL and add none", what)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("%s: no %s limit", what, r)
		}
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("%s: no %s request", what, r)
		}
	}
	for _, e := range c.Env {
		if regexp.MustCompile(`(TOKEN|SECRET|PASSWORD)$`).MatchString(e.Name) && e.Value != "" {
			t.Errorf("%s: %s has an inline value; mount the Secret and use %s_FILE", what, e.Name, e.Name)
		}
	}
}

// checkFilesMounted: every *_FILE variable points into a read-only volume
// mount of a Secret that the pod declares.
func checkFilesMounted(t *testing.T, what string, c corev1.Container, pod corev1.PodSpec) {
	t.Helper()
	secrets := map[string]*corev1.SecretVolumeSource{}
	tokens := map[string]*corev1.ProjectedVolumeSource{}
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			secrets[v.Name] = v.Secret
		}
		if v.Projected != nil {
			tokens[v.Name] = v.Projected
		}
	}
	for _, e := range c.Env {
		if !strings.HasSuffix(e.Name, "_FILE") {
			continue
		}
		found := false
		for _, m := range c.VolumeMounts {
			if rel, ok := strings.CutPrefix(e.Value, m.MountPath+"/"); ok {
				s := secrets[m.Name]
				if p := tokens[m.Name]; p != nil && e.Name == "KRETSLOPP_GRAPH_FEDERATED_TOKEN_FILE" {
					// A projected service account token, not a Secret.
					if !m.ReadOnly || !slices.ContainsFunc(p.Sources, func(s corev1.VolumeProjection) bool {
						return s.ServiceAccountToken != nil && s.ServiceAccountToken.Path == rel
					}) {
						t.Errorf("%s: %s=%s is not a read-only projected service account token", what, e.Name, e.Value)
					}
					found = true
					continue
				}
				if s == nil {
					t.Errorf("%s: %s is in volume %s, which is not a Secret", what, e.Name, m.Name)
				} else if !m.ReadOnly {
					t.Errorf("%s: secret mount %s is writable", what, m.MountPath)
				} else if len(s.Items) > 0 && !slices.ContainsFunc(s.Items, func(k corev1.KeyToPath) bool { return k.Path == rel }) {
					t.Errorf("%s: %s=%s but secret %s projects no %s", what, e.Name, e.Value, s.SecretName, rel)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %s=%s is not under any volume mount", what, e.Name, e.Value)
		}
	}
}

// checkWorkloadIdentity: the pull runs as its own service account, named
// for Entra ID by its client-id annotation, and reads a projected token
// whose audience is the one a federated identity credential expects.
func checkWorkloadIdentity(t *testing.T, o objects, cj *batchv1.CronJob, env map[string]string) {
	t.Helper()
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	d := one(t, "Deployment", o.deployments)
	if pod.ServiceAccountName == d.Spec.Template.Spec.ServiceAccountName {
		t.Error("the pull shares the serve pods' service account: a federated credential for it would give the internet-facing pods Graph access")
	}
	var sa *corev1.ServiceAccount
	for _, a := range o.accounts {
		if a.Name == pod.ServiceAccountName {
			sa = a
		}
	}
	if sa == nil {
		t.Fatalf("service account %q of the pull is not in the manifests", pod.ServiceAccountName)
	}
	if sa.Annotations["azure.workload.identity/client-id"] == "" {
		t.Error("the pull's service account has no azure.workload.identity/client-id annotation")
	}
	if env["KRETSLOPP_GRAPH_CREDENTIAL"] != "workload_identity" {
		t.Errorf("KRETSLOPP_GRAPH_CREDENTIAL %q, want workload_identity", env["KRETSLOPP_GRAPH_CREDENTIAL"])
	}
	found := false
	for _, v := range pod.Volumes {
		if v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			if tok := src.ServiceAccountToken; tok != nil {
				found = true
				if tok.Audience != "api://AzureADTokenExchange" {
					t.Errorf("projected token audience %q, want api://AzureADTokenExchange", tok.Audience)
				}
				if tok.ExpirationSeconds == nil || *tok.ExpirationSeconds > 86400 {
					t.Error("projected token without a short expiry")
				}
			}
		}
	}
	if !found {
		t.Error("no projected service account token for workload identity")
	}
}
