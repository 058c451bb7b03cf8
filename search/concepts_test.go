package search

import (
	"slices"
	"strings"
	"testing"
)

// The concept data, as a reviewer would check it: every concept in every official language, every label
// something the language's analysis keeps, no label of two concepts unless both say it is shared, and a
// hierarchy without holes.
func TestConceptData(t *testing.T) {
	cs, err := readConcepts(conceptFiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 250 {
		t.Errorf("%d concepts; the layer needs at least 250", len(cs))
	}
	if _, err := newConceptLayer(cs, analyzeIn); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range cs {
		ids[c.ID] = true
	}
	for _, c := range cs {
		if c.Broader != "" && !ids[c.Broader] {
			t.Errorf("%s: broader concept %q does not exist", c.ID, c.Broader)
		}
		if c.Theme != "" && !ids[c.Theme] {
			t.Errorf("%s: theme %q is not a concept (themes.json holds the hub's themes)", c.ID, c.Theme)
		}
	}
	type owner struct{ concept, label string }
	byTerms := map[string]map[string][]owner{} // lang -> analysed label -> concepts
	for _, c := range cs {
		for lang := range Languages {
			if len(c.Labels[lang]) == 0 {
				t.Errorf("%s has no label in %s", c.ID, lang)
			}
		}
		for lang, labels := range c.Labels {
			if _, ok := Languages[lang]; !ok {
				t.Errorf("%s has labels in %q, not an official EU language", c.ID, lang)
				continue
			}
			for _, label := range labels {
				terms := termsOf(analyzeIn(lang, label))
				if len(terms) == 0 {
					t.Errorf("%s: the %s label %q analyses to nothing (a stop word?)", c.ID, lang, label)
					continue
				}
				key := strings.Join(terms, " ")
				if byTerms[lang] == nil {
					byTerms[lang] = map[string][]owner{}
				}
				if !slices.ContainsFunc(byTerms[lang][key], func(o owner) bool { return o.concept == c.ID }) {
					byTerms[lang][key] = append(byTerms[lang][key], owner{c.ID, label})
				}
			}
		}
	}
	shared := func(concept, lang, label string) bool {
		for _, c := range cs {
			if c.ID == concept {
				return slices.Contains(c.Shared[lang], label)
			}
		}
		return false
	}
	for lang, m := range byTerms {
		for key, owners := range m {
			if len(owners) < 2 {
				continue
			}
			for _, o := range owners {
				if !shared(o.concept, lang, o.label) {
					t.Errorf("%s: %q (%q) belongs to %v; mark it shared in each, or keep it in one", lang, o.label, key, owners)
					break
				}
			}
		}
	}
}
