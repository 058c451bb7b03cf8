// Package publiccode reads and writes publiccode.yml (the standard of Developers Italia, used across the
// EU public sector to describe public software, version 0.4): `hub import publiccode` turns files into
// digital tools, and /digital-tools/{slug}/publiccode.yml serves each tool as one, so that other
// catalogues can harvest the hub.
package publiccode

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/smartcommunities/hub/db"
)

// Version is the version of the standard the hub reads and writes.
const Version = "0.4"

// File is the part of a publiccode.yml the hub keeps.
type File struct {
	PubliccodeYmlVersion string                 `yaml:"publiccodeYmlVersion"`
	Name                 string                 `yaml:"name"`
	URL                  string                 `yaml:"url"`
	LandingURL           string                 `yaml:"landingURL,omitempty"`
	SoftwareType         string                 `yaml:"softwareType"`
	DevelopmentStatus    string                 `yaml:"developmentStatus"`
	Platforms            []string               `yaml:"platforms"`
	Description          map[string]Description `yaml:"description"`
	Legal                struct {
		License string `yaml:"license"`
	} `yaml:"legal"`
	Maintenance struct {
		Type string `yaml:"type"`
	} `yaml:"maintenance"`
	Localisation struct {
		LocalisationReady  bool     `yaml:"localisationReady"`
		AvailableLanguages []string `yaml:"availableLanguages"`
	} `yaml:"localisation"`
	IntendedAudience struct {
		Countries []string `yaml:"countries,omitempty"`
	} `yaml:"intendedAudience,omitempty"`
}

// Description is one language's description.
type Description struct {
	ShortDescription string   `yaml:"shortDescription"`
	LongDescription  string   `yaml:"longDescription"`
	Features         []string `yaml:"features,omitempty"`
}

// known are the keys the hub reads, each with the keys it reads under it; any other is ignored with a
// warning. Two-letter keys at the top are country extensions (it: for Italy's), also ignored.
var known = map[string][]string{
	"publiccodeYmlVersion": nil, "name": nil, "url": nil, "landingURL": nil, "softwareType": nil,
	"developmentStatus": nil, "description": nil, "platforms": nil,
	"legal":            {"license"},
	"localisation":     {"localisationReady", "availableLanguages"},
	"intendedAudience": {"countries"},
	"maintenance":      {"type"},
}

// statuses maps publiccode.yml's developmentStatus onto the hub's.
var statuses = map[string]db.DevelopmentStatus{
	"concept": db.DevelopmentStatusUnderDevelopment, "development": db.DevelopmentStatusUnderDevelopment,
	"beta": db.DevelopmentStatusUnderDevelopment, "stable": db.DevelopmentStatusCompleted, "obsolete": db.DevelopmentStatusDeprecated,
}

// Files lists the publiccode.yml files at path: the file itself, or under a directory every
// publiccode.yml, publiccode.yaml and *.publiccode.yml.
func Files(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n := e.Name()
		if !e.IsDir() && (n == "publiccode.yml" || n == "publiccode.yaml" || strings.HasSuffix(n, ".publiccode.yml") || strings.HasSuffix(n, ".publiccode.yaml")) {
			files = append(files, p)
		}
		return nil
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no publiccode.yml under %s", path)
	}
	return files, err
}

// Parse reads a publiccode.yml into the digital tool it describes, with a warning for each key ignored.
// A file that is not YAML, or lacks the url that identifies the tool, is an error.
func Parse(name string, data []byte, ref *db.Reference) (*db.ToolEntry, []string, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("not YAML: %v", err)
	}
	var warnings []string
	for k, v := range raw {
		sub, ok := known[k]
		switch {
		case len(k) == 2 && strings.ToLower(k) == k:
			warnings = append(warnings, fmt.Sprintf("%s: the country extension %q is ignored", name, k))
		case !ok:
			warnings = append(warnings, fmt.Sprintf("%s: the key %q is ignored", name, k))
		case sub != nil:
			m, _ := v.(map[string]any)
			for k2 := range m {
				if !slices.Contains(sub, k2) {
					warnings = append(warnings, fmt.Sprintf("%s: the key \"%s.%s\" is ignored", name, k, k2))
				}
			}
		}
	}
	sort.Strings(warnings)
	var f File
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, warnings, fmt.Errorf("not a publiccode.yml: %v", err)
	}
	if strings.TrimSpace(f.URL) == "" {
		return nil, warnings, fmt.Errorf("no url: a publiccode.yml names its repository in url")
	}
	if f.PubliccodeYmlVersion != "" && !strings.HasPrefix(f.PubliccodeYmlVersion, "0.") {
		warnings = append(warnings, fmt.Sprintf("%s: publiccodeYmlVersion %q is read as %s", name, f.PubliccodeYmlVersion, Version))
	}
	in := &db.UpdateDigitalToolInput{Name: &f.Name, RepositoryURL: &f.URL, Website: &f.LandingURL, Licence: &f.Legal.License}
	if f.SoftwareType != "" {
		in.SoftwareType = &f.SoftwareType
	}
	status, ok := statuses[f.DevelopmentStatus]
	if !ok {
		return nil, warnings, &db.ImportError{File: name, Column: "developmentStatus", Field: []string{"input", "developmentStatus"}, Code: db.UserErrorInvalid,
			Message: fmt.Sprintf("%q is not a developmentStatus: concept, development, beta, stable or obsolete", f.DevelopmentStatus)}
	}
	in.DevelopmentStatus = &status
	in.Languages = []string{}
	for _, l := range f.Localisation.AvailableLanguages {
		in.Languages = append(in.Languages, primary(l))
	}
	in.Countries = []string{}
	for _, c := range f.IntendedAudience.Countries {
		code := euCode(ref, c)
		if code == "" {
			warnings = append(warnings, fmt.Sprintf("%s: intendedAudience.countries %q is not an EU country; ignored", name, c))
			continue
		}
		in.Countries = append(in.Countries, code)
	}
	// The descriptions by language become the tool's translations; its own description is the English
	// one, or, without English, the first language's.
	langs := make([]string, 0, len(f.Description))
	for l := range f.Description {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	in.Translations = []*db.DigitalToolTranslationInput{}
	main := ""
	for _, l := range langs {
		d := f.Description[l]
		in.Translations = append(in.Translations, &db.DigitalToolTranslationInput{Language: primary(l),
			ShortDescription: ptr(d.ShortDescription), LongDescription: ptr(d.LongDescription), Features: nonNil(d.Features)})
		if main == "" || primary(l) == "en" {
			main = pick(d)
		}
	}
	in.Description = &main
	keys := map[string]string{"name": "name", "repositoryUrl": "url", "website": "landingURL", "licence": "legal.license",
		"developmentStatus": "developmentStatus", "softwareType": "softwareType", "languages": "localisation.availableLanguages",
		"countries": "intendedAudience.countries", "translations": "description", "description": "description", "slug": "name"}
	return &db.ToolEntry{File: name, URL: strings.TrimSpace(f.URL), Input: in, Keys: keys}, warnings, nil
}

func pick(d Description) string {
	if d.LongDescription != "" {
		return d.LongDescription
	}
	return d.ShortDescription
}

// primary is a language tag's language (de-AT: de).
func primary(tag string) string {
	l, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	return l
}

// euCode is the EU code of an ISO 3166-1 country code (gr: EL), or "" for a country outside the EU.
func euCode(ref *db.Reference, iso string) string {
	iso = strings.ToUpper(strings.TrimSpace(iso))
	for _, c := range ref.Countries {
		if c.IsoCode == iso || c.Code == iso {
			return c.Code
		}
	}
	return ""
}

// ImportFiles imports publiccode.yml files as digital tools (db.ImportTools): a file that cannot be read
// as one is an error of the report, and nothing is written.
func ImportFiles(ctx context.Context, d *db.DB, files []string, dryRun bool, progress func(done, total int)) (*db.ImportReport, error) {
	var entries []db.ToolEntry
	var warnings []string
	var refused []*db.ImportError
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		e, w, err := Parse(name, data, d.Reference())
		warnings = append(warnings, w...)
		var ie *db.ImportError
		if errors.As(err, &ie) {
			refused = append(refused, ie)
			continue
		}
		if err != nil {
			refused = append(refused, &db.ImportError{File: name, Code: db.UserErrorInvalid, Message: err.Error()})
			continue
		}
		entries = append(entries, *e)
	}
	rep, err := d.ImportTools(ctx, entries, dryRun || len(refused) > 0, progress)
	if err != nil {
		return nil, err
	}
	rep.DryRun = dryRun
	rep.Warnings = append(warnings, rep.Warnings...)
	rep.Errors = append(refused, rep.Errors...)
	return rep, nil
}

// Render writes a tool as a publiccode.yml. A tool imported from one gives back what it was read from,
// as far as the hub keeps it; the keys the standard requires and the hub does not keep (platforms,
// maintenance) are written as "web" and "none".
func Render(t *db.DigitalTool, countries []*db.Country, translations []*db.DigitalToolTranslation) ([]byte, error) {
	f := File{PubliccodeYmlVersion: Version, Name: t.Name, LandingURL: deref(t.Website), SoftwareType: deref(t.SoftwareType),
		Platforms: []string{"web"}, Description: map[string]Description{}}
	f.URL = deref(t.RepositoryURL)
	if f.URL == "" {
		f.URL = f.LandingURL
	}
	if f.SoftwareType == "" {
		f.SoftwareType = "standalone/other"
	}
	f.DevelopmentStatus = map[db.DevelopmentStatus]string{db.DevelopmentStatusUnderDevelopment: "development",
		db.DevelopmentStatusCompleted: "stable", db.DevelopmentStatusDeprecated: "obsolete"}[t.DevelopmentStatus]
	f.Legal.License = t.Licence
	f.Maintenance.Type = "none"
	f.Localisation.LocalisationReady = len(t.Languages) > 1
	f.Localisation.AvailableLanguages = nonNil(t.Languages)
	for _, c := range countries {
		f.IntendedAudience.Countries = append(f.IntendedAudience.Countries, strings.ToLower(c.IsoCode))
	}
	for _, tr := range translations {
		f.Description[tr.Language] = Description{ShortDescription: tr.ShortDescription, LongDescription: tr.LongDescription, Features: tr.Features}
	}
	if len(translations) == 0 {
		short := t.Description
		if r := []rune(short); len(r) > 150 {
			short = string(r[:147]) + "..."
		}
		f.Description["en"] = Description{ShortDescription: short, LongDescription: t.Description}
	}
	return yaml.Marshal(f)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr(s string) *string { return &s }

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
