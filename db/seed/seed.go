// Package seed loads the demo data (demo/*.json, written for the hub and marked illustrative) and
// generates synthetic data for load and search benchmarks.
package seed

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/smartcommunities/hub/db"
)

//go:embed demo/*.json
var demo embed.FS

// Demo loads the demo data through the same validated writes as the GraphQL mutations, so the demo data
// is held to the rules real data is. Entries whose slug or identifier is already taken are left as they
// are, so loading the demo data twice adds nothing the second time.
func Demo(ctx context.Context, d *db.DB) error {
	_, _, err := DemoCounted(ctx, d)
	return err
}

// DemoCounted is Demo, telling how many entries it loaded and how many were there already.
func DemoCounted(ctx context.Context, d *db.DB) (loaded, existing int, err error) {
	var all int
	err = loadDemo(ctx, d, &loaded, &all)
	return loaded, all - loaded, err
}

func loadDemo(ctx context.Context, d *db.DB, loadedOut, allOut *int) error {
	// Seeding sees every practice, drafts included, to tell which demo entries exist already.
	ctx = db.WithReadAccess(ctx, db.ReadAccess{All: true})
	var members []struct {
		db.CreateMemberInput
		JoinedOn string `json:"joinedOn"`
	}
	var tools []db.CreateDigitalToolInput
	var funding []struct {
		db.CreateFundingOpportunityInput
		TopicID     string   `json:"topicId"`
		CallID      *string  `json:"callId"`
		OpeningDate string   `json:"openingDate"`
		Deadlines   []string `json:"deadlines"`
	}
	var practices, more []struct {
		db.CreateBestPracticeInput
		Tools   []string `json:"tools"`
		Funding []string `json:"funding"`
		Authors []string `json:"authors"`
	}
	for file, dst := range map[string]any{"members": &members, "tools": &tools, "funding": &funding,
		"practices-1": &practices, "practices-2": &more} {
		b, err := demo.ReadFile("demo/" + file + ".json")
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return fmt.Errorf("demo/%s.json: %w", file, err)
		}
	}
	practices = append(practices, more...)

	ids := map[string]int64{} // slug or topic identifier -> row id
	check := func(what, key string, id int64, errs []db.UserError, err error) error {
		if err != nil {
			return fmt.Errorf("demo %s %s: %w", what, key, err)
		}
		if len(errs) > 0 {
			return fmt.Errorf("demo %s %s: %v", what, key, errs)
		}
		ids[what+":"+key] = id
		return nil
	}
	loaded := 0
	for _, m := range members {
		in := m.CreateMemberInput
		if cur, err := d.MemberBySlug(ctx, *in.Slug); err != nil || cur != nil {
			ids["member:"+*in.Slug] = rowID(cur, func(m *db.Member) int64 { return m.ID })
			if err != nil {
				return err
			}
			continue
		}
		loaded++
		joined, err := time.Parse(time.DateOnly, m.JoinedOn)
		if err != nil {
			return fmt.Errorf("demo member %s: %w", *in.Slug, err)
		}
		in.JoinedOn = &joined
		saved, errs, err := d.CreateMember(ctx, &in)
		if err := check("member", *in.Slug, rowID(saved, func(m *db.Member) int64 { return m.ID }), errs, err); err != nil {
			return err
		}
	}
	for _, t := range tools {
		if cur, err := d.DigitalToolBySlug(ctx, *t.Slug); err != nil || cur != nil {
			ids["tool:"+*t.Slug] = rowID(cur, func(t *db.DigitalTool) int64 { return t.ID })
			if err != nil {
				return err
			}
			continue
		}
		loaded++
		saved, errs, err := d.CreateDigitalTool(ctx, &t, nil)
		if err := check("tool", *t.Slug, rowID(saved, func(t *db.DigitalTool) int64 { return t.ID }), errs, err); err != nil {
			return err
		}
	}
	for _, f := range funding {
		if cur, err := d.FundingOpportunityByIdentifier(ctx, f.TopicID); err != nil || cur != nil {
			ids["funding:"+f.TopicID] = rowID(cur, func(f *db.FundingOpportunity) int64 { return f.ID })
			if err != nil {
				return err
			}
			continue
		}
		loaded++
		in := f.CreateFundingOpportunityInput
		in.Identifier, in.CallIdentifier = f.TopicID, f.CallID
		var err error
		if in.OpeningDate, err = time.Parse(time.DateOnly, f.OpeningDate); err != nil {
			return fmt.Errorf("demo funding %s: %w", f.TopicID, err)
		}
		for _, s := range f.Deadlines {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return fmt.Errorf("demo funding %s: %w", f.TopicID, err)
			}
			in.Deadlines = append(in.Deadlines, t)
		}
		if len(in.EligibleCountries) == 1 && in.EligibleCountries[0] == "EU27" {
			in.EligibleCountries = nil // all member states
		}
		saved, errs, err := d.CreateFundingOpportunity(ctx, &in)
		if err := check("funding", f.TopicID, rowID(saved, func(f *db.FundingOpportunity) int64 { return f.ID }), errs, err); err != nil {
			return err
		}
	}
	for _, p := range practices {
		in := p.CreateBestPracticeInput
		if cur, err := d.BestPracticeBySlug(ctx, *in.Slug); err != nil || cur != nil {
			if err != nil {
				return err
			}
			continue
		}
		loaded++
		var err error
		if in.Tools, err = refs[db.DigitalToolID](ids, *in.Slug, "tool", p.Tools); err != nil {
			return err
		}
		if in.Funding, err = refs[db.FundingOpportunityID](ids, *in.Slug, "funding", p.Funding); err != nil {
			return err
		}
		if in.Authors, err = refs[db.MemberID](ids, *in.Slug, "member", p.Authors); err != nil {
			return err
		}
		_, errs, err := d.CreateBestPractice(ctx, &in)
		if err := check("practice", *in.Slug, 0, errs, err); err != nil {
			return err
		}
	}
	*loadedOut, *allOut = loaded, len(members)+len(tools)+len(funding)+len(practices)
	return nil
}

func rowID[T any](v *T, id func(*T) int64) int64 {
	if v == nil {
		return 0
	}
	return id(v)
}

// refs are the ids of the demo entries a practice names by slug or identifier.
func refs[ID db.EntityID](ids map[string]int64, practice, what string, keys []string) ([]ID, error) {
	out := []ID{}
	for _, k := range keys {
		id, ok := ids[what+":"+k]
		if !ok {
			return nil, fmt.Errorf("demo practice %s: unknown %s %q", practice, what, k)
		}
		out = append(out, ID(id))
	}
	return out, nil
}
