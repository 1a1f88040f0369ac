// Package deploy holds no code: its tests check the Kubernetes manifests,
// the example CI workflow and the Dockerfile beside them for the properties
// docs/fleet.md relies on. It is a module of its own so that k8s.io/api stays
// out of ipcbench's go.mod. Run: cd deploy && go test ./...
package deploy

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// docs splits every deploy/k8s/*.yaml into its documents.
func docs(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no k8s/*.yaml (%v)", err)
	}
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range strings.Split("\n"+string(b), "\n---\n") {
			if strings.TrimSpace(stripComments(d)) != "" {
				out[f] = append(out[f], d)
			}
		}
	}
	return out
}

func stripComments(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestManifests decodes each document strictly by its kind (an unknown or
// misplaced field is an error) and checks what each kind must hold.
func TestManifests(t *testing.T) {
	kinds := map[string]int{}
	for file, ds := range docs(t) {
		for i, d := range ds {
			var meta struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal([]byte(d), &meta); err != nil {
				t.Fatalf("%s doc %d: %v", file, i, err)
			}
			name := file + " " + meta.Kind
			kinds[meta.Kind]++
			switch meta.APIVersion + " " + meta.Kind {
			case "batch/v1 Job":
				var j batchv1.Job
				strict(t, name, d, &j)
				checkJobSpec(t, name, &j.Spec)
			case "batch/v1 CronJob":
				var c batchv1.CronJob
				strict(t, name, d, &c)
				if c.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
					t.Errorf("%s: concurrencyPolicy %q, want Forbid (two nights' Jobs would share nodes)", name, c.Spec.ConcurrencyPolicy)
				}
				checkJobSpec(t, name, &c.Spec.JobTemplate.Spec)
			case "v1 Secret":
				var s corev1.Secret
				strict(t, name, d, &s)
				if s.Name != "ipcbench-store" || s.StringData["url"] == "" {
					t.Errorf("%s: want Secret ipcbench-store with stringData.url, got %q %v", name, s.Name, s.StringData)
				}
				checkStoreSecret(t, name, &s)
			default:
				t.Errorf("%s doc %d: unexpected %s %s", file, i, meta.APIVersion, meta.Kind)
			}
		}
	}
	for _, k := range []string{"Job", "CronJob", "Secret"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among the manifests", k)
		}
	}
}

func strict(t *testing.T, name, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func checkJobSpec(t *testing.T, name string, js *batchv1.JobSpec) {
	t.Helper()
	if js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("%s: completionMode must be Indexed", name)
	}
	if js.Completions == nil || js.Parallelism == nil || *js.Completions != *js.Parallelism || *js.Completions < 1 {
		t.Errorf("%s: completions and parallelism must be equal (one pod per node, all at once)", name)
	}
	if js.BackoffLimitPerIndex == nil || *js.BackoffLimitPerIndex != 0 {
		t.Errorf("%s: backoffLimitPerIndex must be 0 (one try per node)", name)
	}
	if js.MaxFailedIndexes == nil || js.Completions == nil || *js.MaxFailedIndexes != *js.Completions {
		t.Errorf("%s: maxFailedIndexes must equal completions, so one node's failure stops no other", name)
	}
	if js.ActiveDeadlineSeconds == nil || js.TTLSecondsAfterFinished == nil {
		t.Errorf("%s: want activeDeadlineSeconds (pods Pending for want of nodes) and ttlSecondsAfterFinished", name)
	}
	pt := js.Template
	ps := pt.Spec
	if ps.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %q, want Never", name, ps.RestartPolicy)
	}

	// One pod per node: required anti-affinity over kubernetes.io/hostname
	// whose selector matches the pod's own labels.
	var spread bool
	if a := ps.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			if term.TopologyKey != "kubernetes.io/hostname" || term.LabelSelector == nil ||
				len(term.LabelSelector.MatchLabels) == 0 || len(term.LabelSelector.MatchExpressions) > 0 {
				continue
			}
			matches := true
			for k, v := range term.LabelSelector.MatchLabels {
				if pt.Labels[k] != v {
					matches = false
				}
			}
			spread = spread || matches
		}
	}
	if !spread {
		t.Errorf("%s: want required podAntiAffinity on kubernetes.io/hostname selecting the pod's labels %v", name, pt.Labels)
	}

	// The pod keeps its own namespaces: host ones would put the namespace at
	// Pod Security "privileged" (docs/fleet.md).
	if ps.HostNetwork || ps.HostIPC || ps.HostPID {
		t.Errorf("%s: hostNetwork, hostIPC and hostPID must stay off (the node's name comes from the downward API)", name)
	}
	if sc := ps.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
		sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("%s: want runAsNonRoot and a non-zero runAsUser in the pod securityContext", name)
	}
	if sp := ps.SecurityContext; sp == nil || sp.SeccompProfile == nil || sp.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: want seccompProfile RuntimeDefault in the pod securityContext", name)
	}
	if r := podSecurity(t, api.LevelRestricted, &pt.ObjectMeta, &ps); !r.Allowed {
		t.Errorf("%s: the pod template fails Pod Security restricted: %s", name, r.ForbiddenDetail())
	}

	if len(ps.Containers) != 1 {
		t.Fatalf("%s: want one container, got %d", name, len(ps.Containers))
	}
	c := ps.Containers[0]
	if len(c.Command) != 0 || len(c.Args) < 1 || c.Args[0] != "run" || !slices.Contains(c.Args, "--store") || !slices.Contains(c.Args, "--label") {
		t.Errorf("%s: args %q: want the image's entrypoint with run --store --label ...", name, c.Args)
	}
	if slices.Contains(c.Args, "--cpus") {
		t.Errorf("%s: args %q: no --cpus; the default pins to the first two CPUs of the pod's cpuset", name, c.Args)
	}
	if i := slices.Index(c.Args, "--label"); i < 0 || i+1 >= len(c.Args) || !strings.Contains(c.Args[i+1], "$(NODE_NAME)") {
		t.Errorf("%s: args %q: want --label carrying $(NODE_NAME): the run's recorded host is the pod's name", name, c.Args)
	}

	// Guaranteed QoS with whole CPUs, for the static CPU manager.
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || req.Cmp(lim) != 0 {
			t.Errorf("%s: %s request %s and limit %s must be set and equal (Guaranteed QoS)", name, r, req.String(), lim.String())
		}
	}
	if cpu := c.Resources.Limits[corev1.ResourceCPU]; cpu.MilliValue()%1000 != 0 || cpu.MilliValue() < 2000 {
		t.Errorf("%s: cpu %s: want a whole number of CPUs, at least 2", name, cpu.String())
	}

	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if s := env["IPCBENCH_STORE"]; s.Value != "" || s.ValueFrom == nil || s.ValueFrom.SecretKeyRef == nil ||
		s.ValueFrom.SecretKeyRef.Name != "ipcbench-store" || s.ValueFrom.SecretKeyRef.Key != "url" {
		t.Errorf("%s: IPCBENCH_STORE must come from secretKeyRef ipcbench-store/url", name)
	}
	if p, ok := env["PGPASSWORD"]; ok && (p.Value != "" || p.ValueFrom == nil || p.ValueFrom.SecretKeyRef == nil ||
		p.ValueFrom.SecretKeyRef.Name != "ipcbench-store" || p.ValueFrom.SecretKeyRef.Key != "password") {
		t.Errorf("%s: PGPASSWORD must come from secretKeyRef ipcbench-store/password", name)
	}
	if n := env["NODE_NAME"]; n.ValueFrom == nil || n.ValueFrom.FieldRef == nil || n.ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
		t.Errorf("%s: NODE_NAME must come from the downward API's spec.nodeName", name)
	}
	checkNoSecretInCommandLine(t, name, c)

	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("%s: want allowPrivilegeEscalation false, readOnlyRootFilesystem, capabilities drop ALL and add none", name)
	}
	if sc != nil && sc.Privileged != nil && *sc.Privileged {
		t.Errorf("%s: privileged container", name)
	}

	// A read-only root needs writable /tmp (TMPDIR) and working directory,
	// each an emptyDir, and /dev/shm a memory-backed one.
	vols := map[string]corev1.Volume{}
	for _, v := range ps.Volumes {
		vols[v.Name] = v
	}
	mounts := map[string]corev1.Volume{}
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		if !ok || v.EmptyDir == nil || m.ReadOnly {
			t.Errorf("%s: mount %s: want a writable emptyDir", name, m.MountPath)
		}
		mounts[m.MountPath] = v
	}
	for _, p := range []string{"/tmp", c.WorkingDir, "/dev/shm"} {
		if p == "" || mounts[p].EmptyDir == nil {
			t.Errorf("%s: want an emptyDir at %q (workingDir must be set)", name, p)
		}
	}
	// TMPDIR and HOME, where ipcbench writes, must each be an emptyDir's
	// mount point (the root filesystem is read-only).
	for _, v := range []string{"TMPDIR", "HOME"} {
		if p := env[v].Value; p == "" || mounts[p].EmptyDir == nil {
			t.Errorf("%s: want %s set to an emptyDir's mount path, got %q", name, v, p)
		}
	}
	if d := mounts["/dev/shm"].EmptyDir; d != nil && (d.Medium != corev1.StorageMediumMemory || d.SizeLimit == nil) {
		t.Errorf("%s: /dev/shm: want medium Memory with a sizeLimit", name)
	}
}

// evaluator is Kubernetes' own Pod Security admission check, the code the
// API server runs for a namespace labelled pod-security.kubernetes.io/enforce.
var evaluator = sync.OnceValues(func() (policy.Evaluator, error) {
	return policy.NewEvaluator(policy.DefaultChecks(), nil)
})

// podSecurity evaluates a pod template at a Pod Security level, latest version.
func podSecurity(t *testing.T, level api.Level, meta *metav1.ObjectMeta, ps *corev1.PodSpec) policy.AggregateCheckResult {
	t.Helper()
	e, err := evaluator()
	if err != nil {
		t.Fatalf("pod security evaluator: %v", err)
	}
	return policy.AggregateCheckResults(e.EvaluatePod(api.LevelVersion{Level: level, Version: api.LatestVersion()}, meta, ps))
}

// TestPodSecurityCheckBites shows that the restricted check in checkJobSpec
// can fail: the Job's pod template with hostNetwork, or with the IPC
// sysctls its comment offers, is refused, the sysctls even at baseline
// (docs/fleet.md says they need a namespace at "privileged").
func TestPodSecurityCheckBites(t *testing.T) {
	var j batchv1.Job
	b, err := os.ReadFile("k8s/ipcbench-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	strict(t, "k8s/ipcbench-job.yaml", string(b), &j)
	pt := j.Spec.Template
	if r := podSecurity(t, api.LevelRestricted, &pt.ObjectMeta, &pt.Spec); !r.Allowed {
		t.Fatalf("the Job's pod template fails restricted: %s", r.ForbiddenDetail())
	}
	host := pt.Spec.DeepCopy()
	host.HostNetwork = true
	if r := podSecurity(t, api.LevelBaseline, &pt.ObjectMeta, host); r.Allowed {
		t.Error("hostNetwork passed Pod Security baseline; the evaluator is not checking")
	}
	sysctls := pt.Spec.DeepCopy()
	sysctls.SecurityContext.Sysctls = []corev1.Sysctl{{Name: "kernel.msgmax", Value: "65536"}, {Name: "fs.mqueue.msgsize_max", Value: "65536"}}
	if r := podSecurity(t, api.LevelBaseline, &pt.ObjectMeta, sysctls); r.Allowed {
		t.Error("kernel.msgmax and fs.mqueue.msgsize_max passed Pod Security baseline; docs/fleet.md says they need privileged")
	}
}

// secretBearing reports whether s looks like it holds a password: a URL
// with one in its user info, or a password parameter.
var secretBearing = regexp.MustCompile(`(?i)://[^/@\s]*:[^/@\s]*@|password`)

// checkNoSecretInCommandLine checks that no secret reaches the container's
// command line, which every user of the node can read (ps): no $(VAR) of an
// env var from a Secret in command or args, and no password written out in
// them or in a literal env value.
func checkNoSecretInCommandLine(t *testing.T, name string, c corev1.Container) {
	t.Helper()
	var fromSecret []string
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			fromSecret = append(fromSecret, e.Name)
		}
		if secretBearing.MatchString(e.Value) {
			t.Errorf("%s: env %s holds a password in the manifest; take it from a secretKeyRef", name, e.Name)
		}
	}
	for _, a := range slices.Concat(c.Command, c.Args) {
		for _, v := range fromSecret {
			if strings.Contains(a, "$("+v+")") {
				t.Errorf("%s: argument %q puts the secret %s on the command line; ipcbench reads it from the environment (--store alone reads IPCBENCH_STORE)", name, a, v)
			}
		}
		if secretBearing.MatchString(a) {
			t.Errorf("%s: argument %q holds a password", name, a)
		}
	}
}

// checkStoreSecret checks the example store Secret: a URL without a
// password, and the password apart, for PGPASSWORD, as a placeholder.
func checkStoreSecret(t *testing.T, name string, s *corev1.Secret) {
	t.Helper()
	u, err := url.Parse(s.StringData["url"])
	if err != nil || u.Scheme != "postgres" || u.User == nil || u.User.Username() == "" {
		t.Errorf("%s: url %q: want postgres://USER@HOST/DB (%v)", name, s.StringData["url"], err)
	} else if _, has := u.User.Password(); has || u.Query().Has("password") {
		t.Errorf("%s: url %q carries a password; keep it in the password key (PGPASSWORD), so that no URL ipcbench prints can hold it", name, s.StringData["url"])
	}
	if p := s.StringData["password"]; p != "CHANGE_ME" {
		t.Errorf("%s: password %q: want the CHANGE_ME placeholder", name, p)
	}
}

// TestJobAndCronJobAlike keeps the CronJob's pod template the Job's.
func TestJobAndCronJobAlike(t *testing.T) {
	var j batchv1.Job
	var c batchv1.CronJob
	read := func(f string, into any) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		strict(t, f, string(b), into)
	}
	read("k8s/ipcbench-job.yaml", &j)
	read("k8s/ipcbench-cronjob.yaml", &c)
	a, b := j.Spec.Template, c.Spec.JobTemplate.Spec.Template
	ja, _ := yaml.Marshal(a)
	jb, _ := yaml.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("the Job's and the CronJob's pod templates differ:\n%s\n---\n%s", ja, jb)
	}
}

// TestWorkflow reads the example GitHub Actions workflow as plain YAML and
// checks the gate: the PR's run is stored under pr-N, and compare names main's
// last 6 runs on this host against the PR's, and fails on exit 1 and 3. The
// store's URL reaches ipcbench only through the environment: no step's
// command line expands a secret, and each ipcbench gives --store alone.
func TestWorkflow(t *testing.T) {
	b, err := os.ReadFile("ci/pr-gate.github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf map[string]any
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	jobs, _ := wf["jobs"].(map[string]any)
	if len(jobs) == 0 {
		t.Fatal("no jobs")
	}
	wfEnv, _ := wf["env"].(map[string]any)
	var store, compare, mainRun bool
	for jn, j := range jobs {
		job, _ := j.(map[string]any)
		env, _ := job["env"].(map[string]any)
		if env["IPCBENCH_STORE"] != "${{ secrets.IPCBENCH_STORE }}" {
			t.Errorf("job %s: env IPCBENCH_STORE %v, want ${{ secrets.IPCBENCH_STORE }}", jn, env["IPCBENCH_STORE"])
		}
		steps, _ := job["steps"].([]any)
		for _, s := range steps {
			step, _ := s.(map[string]any)
			stepEnv, _ := step["env"].(map[string]any)
			run, _ := step["run"].(string)
			checkRunHidesSecrets(t, jn, run, wfEnv, env, stepEnv)
			if !ipcbenchStore.MatchString(run) {
				continue
			}
			if !bareStore.MatchString(run) {
				t.Errorf("job %s: want --store alone (it reads $IPCBENCH_STORE) in:\n%s", jn, run)
			}
			if strings.Contains(run, "ipcbench run ") {
				store = store || strings.Contains(run, `--label "$LABEL"`) && env["LABEL"] == "pr-${{ github.event.number }}"
				mainRun = mainRun || strings.Contains(run, "--label main")
			}
			if strings.Contains(run, " compare ") {
				compare = true
				for _, want := range []string{`"label:main,host:$host,last:6"`,
					`"label:$LABEL,host:$host,last:1"`, `>> "$GITHUB_STEP_SUMMARY"`} {
					if !strings.Contains(run, want) {
						t.Errorf("compare step lacks %s:\n%s", want, run)
					}
				}
				for _, rc := range []string{"1)", "3)"} {
					if !regexp.MustCompile(regexp.QuoteMeta(rc) + `[^\n]*exit 1`).MatchString(run) {
						t.Errorf("compare step does not fail on exit %s", rc)
					}
				}
			}
		}
	}
	if !store || !compare || !mainRun {
		t.Errorf("want a stored pr-N run (%v), a compare step (%v) and a stored main run (%v)", store, compare, mainRun)
	}
}

// ipcbenchStore matches a script that runs an ipcbench command taking --store.
var ipcbenchStore = regexp.MustCompile(`ipcbench"? (run|compare|history|report|store) `)

// bareStore matches --store given alone: followed by another flag, a line
// continuation or the end of the line, never by a value.
var bareStore = regexp.MustCompile(`(?m)--store(\s+--|\s*\\\n|\s*$)`)

// checkRunHidesSecrets checks that a step's script puts no secret on a
// command line: no ${{ secrets.* }} in the script, and no expansion of an
// env var (workflow's, job's or step's) that a secret sets.
func checkRunHidesSecrets(t *testing.T, job, run string, envs ...map[string]any) {
	t.Helper()
	if strings.Contains(run, "secrets.") {
		t.Errorf("job %s: a step's script names a secret; pass it in env and let the program read it:\n%s", job, run)
	}
	for _, env := range envs {
		for name, v := range env {
			if s, _ := v.(string); !strings.Contains(s, "secrets.") {
				continue
			}
			if regexp.MustCompile(`\$\{?` + regexp.QuoteMeta(name) + `\b`).MatchString(run) {
				t.Errorf("job %s: a step's script expands $%s, set from a secret, onto a command line (ps shows it to every user); ipcbench reads it from the environment:\n%s", job, name, run)
			}
		}
	}
}

// TestDockerfile checks the image's text: two stages, a static build, a
// non-root numeric user and the binary as entrypoint. The image itself is
// built by docker, which this test does not run.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("container/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var from []string
	var user, entry string
	for _, l := range strings.Split(stripComments(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			from = append(from, f[1])
		case "USER":
			user = f[1]
		case "ENTRYPOINT":
			entry = strings.Join(f[1:], " ")
		}
	}
	if len(from) != 2 || !strings.HasPrefix(from[0], "golang:1.26") ||
		!(strings.HasPrefix(from[1], "gcr.io/distroless/static") || from[1] == "scratch") {
		t.Errorf("FROM %q: want a golang:1.26 build stage and a distroless static or scratch final stage", from)
	}
	if !regexp.MustCompile(`CGO_ENABLED=0 go build [^\n]*-trimpath[^\n]*\./cmd/ipcbench`).Match(b) {
		t.Error("want CGO_ENABLED=0 go build -trimpath ... ./cmd/ipcbench")
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("final USER %q: want a numeric non-root uid (runAsNonRoot verifies numbers only)", user)
	}
	if entry != `["/ipcbench"]` {
		t.Errorf("ENTRYPOINT %s, want [\"/ipcbench\"]", entry)
	}
}
