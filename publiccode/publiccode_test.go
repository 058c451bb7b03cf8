package publiccode_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/smartcommunities/hub/hubtest"
	"github.com/smartcommunities/hub/publiccode"
)

func TestMain(m *testing.M) { hubtest.Main(m) }

type tool struct {
	Slug, Name, Licence, DevelopmentStatus, Description string
	SoftwareType, Website, RepositoryURL                *string
	Languages                                           []string
	Countries                                           []struct{ Code string }
	Translations                                        []struct {
		Language, ShortDescription, LongDescription string
		Features                                    []string
	}
}

func tools(t *testing.T, h *hubtest.Hub) map[string]tool {
	var data struct{ DigitalTools struct{ Nodes []tool } }
	h.Query(`{ digitalTools(first: 100) { nodes { slug name licence developmentStatus description softwareType website
		repositoryUrl languages countries { code } translations { language shortDescription longDescription features } } } }`, nil, &data)
	out := map[string]tool{}
	for _, x := range data.DigitalTools.Nodes {
		out[x.Slug] = x
	}
	return out
}

// publiccode.yml files written for the purpose (several languages, licences and statuses) become tools,
// with their descriptions as translations and what the hub does not keep warned about; a file the tool
// mutations would refuse stops the import, which then writes nothing; and each tool's publiccode.yml, as
// the hub serves it, is valid YAML that imports back to the same tool.
func TestPubliccodeImportAndExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := hubtest.New(t, true)
	before := tools(t, h)

	invalid, err := publiccode.Files("testdata")
	if err != nil || len(invalid) != 4 {
		t.Fatalf("Files(testdata): %v %v", invalid, err)
	}
	rep, err := publiccode.ImportFiles(ctx, h.DB(), invalid, false, nil)
	if err != nil || rep.Written || len(rep.Errors) != 1 || rep.Errors[0].Column != "legal.license" || rep.Errors[0].Code != "INVALID" ||
		!strings.HasSuffix(rep.Errors[0].File, filepath.Join("invalid", "publiccode.yml")) {
		t.Fatalf("with the invalid file: %v %+v", err, rep)
	}
	if len(tools(t, h)) != len(before) {
		t.Fatalf("a refused import wrote tools")
	}

	files, _ := publiccode.Files("testdata/catalogue")
	rep, err = publiccode.ImportFiles(ctx, h.DB(), files, false, nil)
	if err != nil || !rep.Written || rep.Created != 3 || len(rep.Errors) > 0 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	for _, w := range []string{`the key "categories" is ignored`, `the key "legal.mainCopyrightOwner" is ignored`,
		`the country extension "it" is ignored`, `intendedAudience.countries "ch" is not an EU country`, `the key "releaseDate" is ignored`} {
		if !slices.ContainsFunc(rep.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("no warning %q in %q", w, rep.Warnings)
		}
	}
	after := tools(t, h)
	opencity, sensors, participa := after["opencity-test-portal"], after["sensorhub-test"], after["participa-test"]
	if opencity.Licence != "AGPL-3.0-or-later" || opencity.DevelopmentStatus != "COMPLETED" || *opencity.SoftwareType != "standalone/web" ||
		*opencity.Website != "https://example.org/opencity-test-portal" || !slices.Equal(opencity.Languages, []string{"en", "it", "de"}) ||
		len(opencity.Countries) != 2 || len(opencity.Translations) != 2 || opencity.Translations[1].Language != "it" ||
		!slices.Equal(opencity.Translations[0].Features, []string{"Online forms", "Open data catalogue", "News"}) ||
		!strings.HasPrefix(opencity.Description, "Opencity Test Portal gives") {
		t.Errorf("opencity: %+v", opencity)
	}
	if sensors.Licence != "EUPL-1.2" || sensors.DevelopmentStatus != "DEPRECATED" || len(sensors.Countries) != 2 || sensors.Countries[1].Code != "EL" ||
		!strings.HasPrefix(sensors.Description, "Sammelt") {
		t.Errorf("sensors: %+v", sensors)
	}
	if participa.DevelopmentStatus != "UNDER_DEVELOPMENT" || len(participa.Translations) != 2 || !strings.HasPrefix(participa.Description, "Processos") {
		t.Errorf("participa (no English: the first language's description): %+v", participa)
	}

	dir := t.TempDir()
	for _, slug := range []string{"opencity-test-portal", "sensorhub-test", "participa-test"} {
		status, body := hubtest.Get(t, h.URL()+"/digital-tools/"+slug+"/publiccode.yml")
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(body), &doc); status != 200 || err != nil || doc["publiccodeYmlVersion"] != "0.4" || doc["url"] == nil {
			t.Fatalf("%s: %d %v\n%s", slug, status, err, body)
		}
		file := filepath.Join(dir, slug+".publiccode.yml")
		os.WriteFile(file, []byte(body), 0o644)
		rep, err := publiccode.ImportFiles(ctx, h.DB(), []string{file}, false, nil)
		if err != nil || len(rep.Errors) > 0 || rep.Unchanged != 1 {
			t.Errorf("%s's publiccode.yml imported back: %v %+v\n%s", slug, err, rep, body)
		}
	}
	if again := tools(t, h); !reflect.DeepEqual(again, after) {
		t.Errorf("importing the exports back changed the tools")
	}
	if status, _ := hubtest.Get(t, h.URL()+"/digital-tools/no-such-tool/publiccode.yml"); status != 404 {
		t.Errorf("an unknown slug: %d", status)
	}
}
