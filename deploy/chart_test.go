package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const chartDir = "helm/members-mock"

// rendered is one install of the chart, decoded into the Kubernetes API's own
// types (strictly: a misspelt field fails the test).
type rendered struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	configMap  *corev1.ConfigMap
	secret     *corev1.Secret
	notes      string
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	return c
}

// valuesFile reads a values file of the chart, and overrides on top of it
// (the way `helm install -f file --set …` stacks them).
func valuesFile(t *testing.T, name string, overrides string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	if name != "" {
		v, err := chartutil.ReadValuesFile(filepath.Join(chartDir, name))
		if err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		vals = v
	}
	if overrides != "" {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(overrides), &o); err != nil {
			t.Fatalf("overrides: %v", err)
		}
		vals = chartutil.CoalesceTables(o, vals)
	}
	return vals
}

func render(c *chart.Chart, vals map[string]any) (map[string]string, error) {
	top, err := chartutil.ToRenderValues(c, vals, chartutil.ReleaseOptions{
		Name: "members-mock", Namespace: "staging", Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("coalescing values: %w", err)
	}
	return engine.Render(c, top)
}

func mustRender(t *testing.T, vals map[string]any) rendered {
	t.Helper()
	files, err := render(loadChart(t), vals)
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	var r rendered
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			r.notes = files[name]
			continue
		}
		docs := k8syaml.NewYAMLReader(bufio.NewReader(strings.NewReader(files[name])))
		for {
			doc, err := docs.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			var meta struct{ Kind string }
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			var err2 error
			switch meta.Kind {
			case "Deployment":
				err2 = decodeStrict(doc, &r.deployment)
			case "Service":
				err2 = decodeStrict(doc, &r.service)
			case "PodDisruptionBudget":
				err2 = decodeStrict(doc, &r.pdb)
			case "ConfigMap":
				err2 = decodeStrict(doc, &r.configMap)
			case "Secret":
				err2 = decodeStrict(doc, &r.secret)
			default:
				t.Fatalf("%s renders a %q, which this test does not know", name, meta.Kind)
			}
			if err2 != nil {
				t.Fatalf("%s is not a valid %s: %v\n%s", name, meta.Kind, err2, doc)
			}
		}
	}
	if r.deployment == nil || r.service == nil {
		t.Fatalf("the chart rendered no Deployment or no Service: %v", names)
	}
	return r
}

// decodeStrict decodes one manifest into a new object of the Kubernetes API's type: a
// field the type does not have fails.
func decodeStrict[T any](doc []byte, into **T) error {
	*into = new(T)
	return yaml.UnmarshalStrict(doc, *into)
}

func (r rendered) container(t *testing.T) corev1.Container {
	t.Helper()
	cs := r.deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("the pod has %d containers, want the mock alone", len(cs))
	}
	return cs[0]
}

// env is the container's environment as the kubelet would give it, with
// secret references resolved from the rendered Secret.
func (r rendered) env(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, e := range r.container(t).Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if r.secret == nil || ref.Name != r.secret.Name {
				env[e.Name] = "<from secret " + ref.Name + ">"
				continue
			}
			v, ok := r.secret.Data[ref.Key]
			if !ok {
				t.Fatalf("%s refers to key %q, which secret %s does not have", e.Name, ref.Key, ref.Name)
			}
			env[e.Name] = string(v)
		case e.ValueFrom.ResourceFieldRef != nil:
			env[e.Name] = "<" + e.ValueFrom.ResourceFieldRef.Resource + ">"
		default:
			t.Fatalf("%s: a valueFrom this test does not resolve", e.Name)
		}
	}
	return env
}

func TestChartLints(t *testing.T) {
	for _, tc := range []struct{ file, overrides string }{
		{"values.yaml", ""},
		{"values-single.yaml", ""},
		{"values.yaml", "replicaCount: 3\nstate: {redisURL: redis://redis:6379/0}\nadmin: {token: s3cret}\n"},
	} {
		lint := action.NewLint()
		lint.Strict = true
		res := lint.Run([]string{chartDir}, valuesFile(t, tc.file, tc.overrides))
		for _, err := range res.Errors {
			t.Errorf("helm lint (%s %q): %v", tc.file, tc.overrides, err)
		}
		for _, m := range res.Messages {
			t.Logf("helm lint: %s", m)
		}
	}
}

func TestDefaultValuesAreOneHardenedReplica(t *testing.T) {
	r := mustRender(t, valuesFile(t, "values.yaml", ""))
	d := r.deployment
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", *d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	if pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("the pod may run as root: want runAsNonRoot")
	}
	if pod.SecurityContext.RunAsUser == nil || *pod.SecurityContext.RunAsUser != 65532 {
		t.Errorf("runAsUser = %v, want the image's 65532", pod.SecurityContext.RunAsUser)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the mock never talks to the Kubernetes API: do not mount a service account token")
	}
	c := r.container(t)
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("want a read-only root filesystem")
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("want allowPrivilegeEscalation: false")
	}
	if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Error("want every capability dropped")
	}
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", name)
			continue
		}
		if p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe on %s:%s, want /healthz on the http port", name, p.HTTPGet.Path, p.HTTPGet.Port.String())
		}
	}
	if c.Resources.Limits.Memory().IsZero() {
		t.Error("no memory limit")
	}
	env := r.env(t)
	for k, want := range map[string]string{
		"MOCK_ADDR": ":8080", "MOCK_SEED": "1", "MOCK_PROGRAMS": "3", "MOCK_MEMBERS": "250",
		"MOCK_AUTH": "none", "MOCK_LOG": "json", "MOCK_JOURNAL": "200", "MOCK_ADMIN": "true",
		"GOMEMLIMIT": "<limits.memory>",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	for _, absent := range []string{"MOCK_STATE", "MOCK_ADMIN_TOKEN", "MOCK_DIALECT", "MOCK_FIXTURES", "MOCK_RATE_LIMIT"} {
		if v, ok := env[absent]; ok {
			t.Errorf("%s = %q, want it unset by default", absent, v)
		}
	}
	if r.pdb != nil {
		t.Error("a PodDisruptionBudget for one replica blocks every node drain")
	}
	if r.configMap != nil || r.secret != nil {
		t.Error("nothing to configure, yet the chart renders a ConfigMap or a Secret")
	}
	if len(pod.Volumes) != 0 || len(c.VolumeMounts) != 0 {
		t.Error("volumes without a ConfigMap")
	}
	serviceSelects(t, r)
}

// serviceSelects checks that the Service (and the PDB) select the pods the
// Deployment makes, and send traffic to the port the mock listens on.
func serviceSelects(t *testing.T, r rendered) {
	t.Helper()
	labels := r.deployment.Spec.Template.Labels
	for k, v := range r.deployment.Spec.Selector.MatchLabels {
		if labels[k] != v {
			t.Errorf("the Deployment's selector %s=%s does not match its pods", k, v)
		}
	}
	if len(r.service.Spec.Selector) == 0 {
		t.Error("the Service selects nothing")
	}
	for k, v := range r.service.Spec.Selector {
		if labels[k] != v {
			t.Errorf("the Service selects %s=%s, which the pods do not carry", k, v)
		}
	}
	if r.pdb != nil {
		for k, v := range r.pdb.Spec.Selector.MatchLabels {
			if labels[k] != v {
				t.Errorf("the PodDisruptionBudget selects %s=%s, which the pods do not carry", k, v)
			}
		}
	}
	port := r.service.Spec.Ports[0].TargetPort.String()
	found := false
	for _, p := range r.container(t).Ports {
		if p.Name == port && p.ContainerPort == 8080 {
			found = true
		}
	}
	if !found {
		t.Errorf("the Service targets port %q, which the container does not name on 8080", port)
	}
}

func TestSingleValuesFileHasNoRedis(t *testing.T) {
	r := mustRender(t, valuesFile(t, "values-single.yaml", ""))
	if *r.deployment.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", *r.deployment.Spec.Replicas)
	}
	if _, ok := r.env(t)["MOCK_STATE"]; ok {
		t.Error("values-single.yaml sets MOCK_STATE")
	}
	if r.pdb != nil {
		t.Error("values-single.yaml renders a PodDisruptionBudget")
	}
}

func TestReplicasShareRedis(t *testing.T) {
	r := mustRender(t, valuesFile(t, "values.yaml", `
replicaCount: 3
seed: 42
members: 1000000
state:
  redisURL: rediss://mock-state.staging:6380/2
  password: {value: hunter2}
admin: {token: s3cret}
dialect: {firstPage: 1, perPageAboveMax: clamp}
fixtures: |
  members:
    - {programId: 1, id: 88, customerId: frontend-test-1}
rateLimit: {enabled: true, named: 50}
`))
	if *r.deployment.Spec.Replicas != 3 {
		t.Errorf("replicas = %d, want 3", *r.deployment.Spec.Replicas)
	}
	env := r.env(t)
	for k, want := range map[string]string{
		"MOCK_STATE":            "rediss://mock-state.staging:6380/2",
		"MOCK_STATE_PASSWORD":   "hunter2",
		"MOCK_ADMIN_TOKEN":      "s3cret",
		"MOCK_SEED":             "42",
		"MOCK_MEMBERS":          "1000000",
		"MOCK_DIALECT":          "/etc/members-mock/dialect.yaml",
		"MOCK_FIXTURES":         "/etc/members-mock/fixtures.yaml",
		"MOCK_RATE_LIMIT":       "true",
		"MOCK_RATE_LIMIT_NAMED": "50",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	// Secrets never appear in the Deployment itself.
	for _, e := range r.container(t).Env {
		if strings.Contains(e.Value, "hunter2") || strings.Contains(e.Value, "s3cret") || strings.Contains(e.Value, "rediss://") {
			t.Errorf("%s carries a secret in plain text in the Deployment", e.Name)
		}
	}
	if r.pdb == nil {
		t.Fatal("three replicas and no PodDisruptionBudget")
	}
	if r.pdb.Spec.MaxUnavailable == nil || r.pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("PDB maxUnavailable = %v, want 1", r.pdb.Spec.MaxUnavailable)
	}
	if len(r.deployment.Spec.Template.Spec.TopologySpreadConstraints) != 1 {
		t.Error("three replicas not spread over nodes")
	}
	cm := r.configMap
	if cm == nil {
		t.Fatal("a dialect and fixtures, and no ConfigMap")
	}
	var dialect map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data["dialect.yaml"]), &dialect); err != nil {
		t.Fatalf("dialect.yaml: %v", err)
	}
	if dialect["firstPage"] != float64(1) || dialect["perPageAboveMax"] != "clamp" {
		t.Errorf("dialect.yaml = %v", dialect)
	}
	if !strings.Contains(cm.Data["fixtures.yaml"], "customerId: frontend-test-1") {
		t.Errorf("fixtures.yaml = %q", cm.Data["fixtures.yaml"])
	}
	c := r.container(t)
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/etc/members-mock" || !c.VolumeMounts[0].ReadOnly {
		t.Errorf("volume mounts = %+v, want the ConfigMap read-only at /etc/members-mock", c.VolumeMounts)
	}
	if v := r.deployment.Spec.Template.Spec.Volumes; len(v) != 1 || v[0].ConfigMap == nil || v[0].ConfigMap.Name != cm.Name {
		t.Errorf("volumes = %+v, want ConfigMap %s", v, cm.Name)
	}
	if !strings.Contains(r.notes, "share fault rules") {
		t.Errorf("NOTES do not say the replicas share state:\n%s", r.notes)
	}
	serviceSelects(t, r)
}

func TestConfigChangesRollThePods(t *testing.T) {
	a := mustRender(t, valuesFile(t, "values.yaml", "dialect: {firstPage: 1}\n"))
	b := mustRender(t, valuesFile(t, "values.yaml", "dialect: {firstPage: 0}\n"))
	if a.deployment.Spec.Template.Annotations["checksum/config"] == b.deployment.Spec.Template.Annotations["checksum/config"] {
		t.Error("another dialect leaves the pod template unchanged: the pods would keep the old one")
	}
}

func TestExistingSecrets(t *testing.T) {
	r := mustRender(t, valuesFile(t, "values.yaml", `
admin: {existingSecret: mock-admin, existingSecretKey: bearer}
state: {redisURL: redis://redis:6379/0, password: {existingSecret: redis-auth, existingSecretKey: pw}}
`))
	refs := map[string]string{}
	for _, e := range r.container(t).Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		}
	}
	for k, want := range map[string]string{
		"MOCK_ADMIN_TOKEN":    "mock-admin/bearer",
		"MOCK_STATE_PASSWORD": "redis-auth/pw",
		"MOCK_STATE":          "members-mock/state-url",
	} {
		if refs[k] != want {
			t.Errorf("%s from %q, want %q", k, refs[k], want)
		}
	}
	if _, ok := r.secret.Data["admin-token"]; ok {
		t.Error("the chart's Secret holds an admin token although an existing secret is named")
	}
}

func TestValuesThatWouldMisbehaveAreRefused(t *testing.T) {
	c := loadChart(t)
	for _, tc := range []struct{ overrides, want string }{
		{"replicaCount: 3\n", "state.redisURL is empty"},
		{"state: {redisURL: 'localhost:6379'}\n", "must start with redis:// or rediss://"},
		{"auth: basic\n", `at '/auth': value must be one of 'none', 'bearer', 'jwt'`},
		{"log: yaml\n", `at '/log': value must be one of 'text', 'json', 'off'`},
		{"seed: 0\n", "seed is 0, which would mean random data"},
		{"state: {redisURL: redis://r:6379/0, caSecret: {name: redis-ca}}\n", "give state.redisURL=rediss://host:port/db too"},
	} {
		_, err := render(c, valuesFile(t, "values.yaml", tc.overrides))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("values %q: error %v, want one saying %q", tc.overrides, err, tc.want)
		}
	}
	if _, err := render(c, valuesFile(t, "values.yaml", "replicaCount: 3\nstate: {allowDivergentReplicas: true}\n")); err != nil {
		t.Errorf("allowDivergentReplicas should render three unshared replicas: %v", err)
	}
}

func TestMisspeltValuesAreRefused(t *testing.T) {
	for _, tc := range []struct{ overrides, want string }{
		{"replicas: 3\n", "replicas"},
		{"state: {redisUrl: redis://redis:6379/0}\n", "redisUrl"},
		{"probes: {readiness: {path: /ready}}\n", "/ready"},
		{"members: 2\n", "members"},
	} {
		lint := action.NewLint()
		res := lint.Run([]string{chartDir}, valuesFile(t, "values.yaml", tc.overrides))
		if len(res.Errors) == 0 || !strings.Contains(fmt.Sprint(res.Errors), tc.want) {
			t.Errorf("values %q: lint errors %v, want one naming %q", tc.overrides, res.Errors, tc.want)
		}
	}
}

func TestRedisCAFromASecret(t *testing.T) {
	r := mustRender(t, valuesFile(t, "values.yaml", "state: {redisURL: rediss://redis:6380/0, caSecret: {name: redis-ca}}\n"))
	if got := r.env(t)["MOCK_STATE_CA"]; got != "/etc/members-mock-tls/ca.crt" {
		t.Errorf("MOCK_STATE_CA = %q, want the mounted CA", got)
	}
	c := r.container(t)
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/etc/members-mock-tls" || !c.VolumeMounts[0].ReadOnly {
		t.Errorf("volume mounts = %+v, want the CA read-only at /etc/members-mock-tls", c.VolumeMounts)
	}
	v := r.deployment.Spec.Template.Spec.Volumes
	if len(v) != 1 || v[0].Secret == nil || v[0].Secret.SecretName != "redis-ca" {
		t.Errorf("volumes = %+v, want secret redis-ca", v)
	}
}
