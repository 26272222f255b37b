package deploy

import (
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"testing"
)

// agentKeys are the YAML keys the agent accepts (it refuses unknown ones),
// read from its source so that the installers cannot drift from it.
func agentKeys(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../agent/internal/config/config.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile("yaml:\"([a-z_]+)\"").FindAllSubmatch(src, -1) {
		keys[string(m[1])] = true
	}
	if !keys["collector_url"] || !keys["spool_dir"] {
		t.Fatalf("agent config keys not found in source: %v", keys)
	}
	return keys
}

// plistValue is one element of a property list.
type plistValue struct {
	XMLName xml.Name
	Text    string       `xml:",chardata"`
	Items   []plistValue `xml:",any"`
}

func TestLaunchdPlist(t *testing.T) {
	data, err := os.ReadFile("launchd/kretslopp-agent.plist")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Dict plistValue `xml:"dict"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("plist is not XML: %v", err)
	}
	d := map[string]plistValue{}
	items := doc.Dict.Items
	for i := 0; i+1 < len(items); i += 2 {
		if items[i].XMLName.Local != "key" {
			t.Fatalf("dict entry %d is <%s>, want <key>", i, items[i].XMLName.Local)
		}
		d[items[i].Text] = items[i+1]
	}
	if v := d["Label"].Text; v != "kretslopp-agent" {
		t.Errorf("Label %q: want the agent's service name kretslopp-agent", v)
	}
	for _, k := range []string{"RunAtLoad", "KeepAlive"} {
		if d[k].XMLName.Local != "true" {
			t.Errorf("%s is <%s/>, want <true/>", k, d[k].XMLName.Local)
		}
	}
	var args []string
	for _, a := range d["ProgramArguments"].Items {
		args = append(args, a.Text)
	}
	want := []string{"/usr/local/bin/kretslopp-agent", "--config", "/Library/Application Support/Kretslopp/agent.yaml", "run"}
	if strings.Join(args, "|") != strings.Join(want, "|") {
		t.Errorf("ProgramArguments %q, want %q", args, want)
	}
	if v := d["ThrottleInterval"].Text; v == "" || v == "0" {
		t.Error("ThrottleInterval missing: a failing agent would restart every 10 s")
	}
	if v := d["Umask"].Text; v != "63" {
		t.Errorf("Umask %q, want 63 (0077): the spool holds device data", v)
	}
	if _, ok := d["UserName"]; ok {
		t.Error("UserName set: the agent must run as root to read battery and serial data")
	}
}

func TestWindowsInstallScript(t *testing.T) {
	data, err := os.ReadFile("windows/Install-KretsloppAgent.ps1")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{
		"#Requires -RunAsAdministrator",
		"$ServiceName = 'kretslopp-agent'",
		"Join-Path $env:ProgramData 'Kretslopp'", // agent default %ProgramData%\Kretslopp
		"Join-Path $DataDir 'agent.yaml'",
		"Join-Path $DataDir 'spool'",
		"New-Service -Name $ServiceName",
		"start= delayed-auto",
		"Invoke-Sc failureflag $ServiceName 1",
		"/inheritance:r",
		"'*S-1-5-18:(OI)(CI)F'",
		"HKLM:\\SOFTWARE\\Kretslopp\\Agent",
		"--config `\"$ConfigFile`\" run",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("install script lacks %q", want)
		}
	}
	failure := regexp.MustCompile(`Invoke-Sc failure \$ServiceName reset= (\d+) actions= ((?:restart/\d+/?)+)`).FindStringSubmatch(s)
	if failure == nil {
		t.Fatal("no sc.exe failure with restart actions")
	}
	if n := strings.Count(failure[2], "restart/"); n != 3 {
		t.Errorf("recovery actions %q: want a restart for each of the three failures", failure[2])
	}
	// Every key the script writes must be one the agent accepts.
	keys := agentKeys(t)
	for _, m := range regexp.MustCompile(`"([a-z_]+): \$\(ConvertTo-YamlString`).FindAllStringSubmatch(s, -1) {
		if !keys[m[1]] {
			t.Errorf("script writes key %q the agent does not know", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`\$yaml \+= '([a-z_]+):`).FindAllStringSubmatch(s, -1) {
		if !keys[m[1]] {
			t.Errorf("script writes key %q the agent does not know", m[1])
		}
	}
	// The spool and configuration go only with -Purge.
	for i, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "Remove-Item") && strings.Contains(line, "$DataDir") && !strings.Contains(line, "$Purge") {
			t.Errorf("line %d removes %%ProgramData%%\\Kretslopp without -Purge: %s", i+1, strings.TrimSpace(line))
		}
	}
}

func TestShippedAgentConfigKeys(t *testing.T) {
	keys := agentKeys(t)
	data, err := os.ReadFile("packaging/agent/agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimPrefix(line, "# ")
		k, _, ok := strings.Cut(line, ":")
		if !ok || !regexp.MustCompile(`^[a-z_]+$`).MatchString(k) {
			continue
		}
		if !keys[k] {
			t.Errorf("agent.yaml has key %q the agent does not know", k)
		}
	}
}
