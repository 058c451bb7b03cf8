package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	ical "github.com/arran4/golang-ical"

	"github.com/smartcommunities/hub/db"
)

// maxCalls bounds a calendar: the open and forthcoming calls of every programme are a few hundred, and a
// calendar service that polls should never pull an unbounded file.
const maxCalls = 500

// deadlines serves /feeds/deadlines.ics?country=EL&theme=mobility&programme=DIGITAL: one all-day event
// per deadline, from today on, of every open or forthcoming call the filter keeps (the list
// fundingOpportunities with filter {status: [OPEN, FORTHCOMING], eligibleCountry, theme, programme}).
func deadlines(w http.ResponseWriter, r *http.Request, d *db.DB) {
	p, err := parseParams(r, "country", "theme", "programme")
	if err != nil {
		badRequest(w, err)
		return
	}
	ref := d.Reference()
	filter := &db.FundingOpportunityFilter{Status: []db.FundingStatus{db.FundingStatusOpen, db.FundingStatusForthcoming}}
	countries, err := countryCodes(p, ref)
	if err == nil && len(countries) > 1 {
		err = errors.New("country: give one country, the one whose eligible calls the calendar shows")
	}
	if err == nil && len(countries) == 1 {
		filter.EligibleCountry = &countries[0]
	}
	if err == nil {
		filter.Theme, err = themeCodes(p, ref)
	}
	if err == nil {
		filter.Programme, err = programmeCodes(p, ref)
	}
	if err != nil {
		badRequest(w, err)
		return
	}
	calls, themes, err := openCalls(r.Context(), d, filter)
	if err == nil && len(calls) > maxCalls {
		calls = calls[:maxCalls]
	}
	var last, dbNow time.Time
	if err == nil {
		last, dbNow, err = d.LastChange(r.Context(), "FundingOpportunity")
	}
	if err != nil {
		failed(w, r, "deadlines", err)
		return
	}
	today := d.Today()
	lastModified := latest(last, d.TodayBegan())
	for _, f := range calls {
		lastModified = latest(lastModified, f.UpdatedAt)
	}
	cal := calendar(calls, themes, ref, today, describe([]string{"country", "theme", "programme"}, countries, filter.Theme, filter.Programme))
	var body strings.Builder
	// RFC 5545 ends lines with CRLF; the library writes LF unless told.
	if err := cal.SerializeTo(&body, ical.WithNewLine("\r\n")); err != nil {
		failed(w, r, "deadlines", err)
		return
	}
	serve(w, r, "text/calendar; charset=utf-8", []byte(body.String()), lastModified, dbNow)
}

// openCalls pages through the list of calls with filter, soonest deadline first, up to one page past
// maxCalls (so that the caller knows it cut), with each call's themes.
func openCalls(ctx context.Context, d *db.DB, filter *db.FundingOpportunityFilter) ([]*db.FundingOpportunity, map[int64][]string, error) {
	var calls []*db.FundingOpportunity
	first := db.MaxPageSize
	page := db.PageArgs{First: &first}
	for len(calls) <= maxCalls {
		res, err := d.FundingOpportunities(ctx, page, filter, &db.FundingOpportunityOrder{Field: "NEXT_DEADLINE", Direction: db.OrderDirectionAsc})
		if err != nil {
			return nil, nil, err
		}
		calls = append(calls, res.Items...)
		info := res.PageInfo()
		if !info.HasNextPage {
			break
		}
		page.After = info.EndCursor
	}
	ids := make([]int64, len(calls))
	for i, f := range calls {
		ids[i] = f.ID
	}
	themes, err := d.FundingThemes(ctx, ids)
	return calls, themes, err
}

// calendar is the VCALENDAR of the calls' deadlines from today on, in date order. Everything in it comes
// from the stored calls, so the same data gives the same bytes (and ETag).
func calendar(calls []*db.FundingOpportunity, themes map[int64][]string, ref *db.Reference, today time.Time, filter string) *ical.Calendar {
	cal := ical.NewCalendarFor("Smart Communities Hub")
	cal.SetProductId("-//Smart Communities Hub//Funding deadlines//EN")
	cal.SetCalscale("GREGORIAN")
	name := "EU funding deadlines · Smart Communities Hub"
	if filter != "" {
		name += " (" + filter + ")"
	}
	cal.SetName(name)
	cal.SetXWRCalName(name)
	desc := "Deadlines of open and forthcoming EU calls for municipalities, from the Smart Communities Hub."
	cal.SetDescription(desc)
	cal.SetXWRCalDesc(desc)
	// Calls change rarely; twice a day is often enough, and the ETag makes a poll cheap.
	cal.SetRefreshInterval("PT12H")
	cal.SetXPublishedTTL("PT12H")

	type event struct {
		call  *db.FundingOpportunity
		date  time.Time
		stage string
	}
	var events []event
	for _, f := range calls {
		for i, dl := range f.Deadlines {
			if dl.Before(today) || i > 0 && dl.Equal(f.Deadlines[i-1]) {
				continue
			}
			events = append(events, event{f, dl, stage(f, i)})
		}
	}
	slices.SortStableFunc(events, func(a, b event) int {
		if c := a.date.Compare(b.date); c != 0 {
			return c
		}
		return strings.Compare(a.call.Identifier, b.call.Identifier)
	})
	for _, ev := range events {
		f := ev.call
		date := ev.date.Format(time.DateOnly)
		e := cal.AddEvent(f.Identifier + "-" + date + "@" + Domain)
		// An event changes only when its call does: the call's last change is the event's stamp.
		e.SetDtStampTime(f.UpdatedAt)
		e.SetModifiedAt(f.UpdatedAt)
		e.SetSequence(int(f.Version))
		e.SetAllDayStartAt(ev.date)
		e.SetAllDayEndAt(ev.date.AddDate(0, 0, 1))
		e.SetTimeTransparency(ical.TransparencyTransparent)
		e.SetSummary(clean(ev.stage + ": " + f.Title))
		programme := f.ProgrammeCode
		if pr := ref.Programme(f.ProgrammeCode); pr != nil {
			programme = pr.Name
		}
		lines := []string{f.Title, "", "Programme: " + programme, "Topic: " + f.Identifier}
		if f.CallIdentifier != nil {
			lines = append(lines, "Call: "+*f.CallIdentifier)
		}
		lines = append(lines, "Stage: "+ev.stage, "Deadlines: "+joinDates(f.Deadlines))
		if f.StatusOn(today) == db.FundingStatusForthcoming {
			lines = append(lines, "Opens: "+f.OpeningDate.Format(time.DateOnly))
		} else {
			lines = append(lines, "Open since: "+f.OpeningDate.Format(time.DateOnly))
		}
		if f.URL != nil {
			lines = append(lines, "", *f.URL)
			e.SetURL(*f.URL)
		}
		e.SetDescription(clean(strings.Join(lines, "\n")))
		e.AddCategory(clean(programme))
		for _, t := range themes[f.ID] {
			if th := ref.Theme(t); th != nil {
				e.AddCategory(clean(th.Name))
			}
		}
	}
	return cal
}

// stage names deadline i of f as its deadline model has it.
func stage(f *db.FundingOpportunity, i int) string {
	n := len(f.Deadlines)
	switch {
	case f.DeadlineModel == db.DeadlineModelTwoStage && n == 2 && i == 0:
		return "First-stage deadline"
	case f.DeadlineModel == db.DeadlineModelTwoStage && n == 2:
		return "Second-stage deadline"
	case f.DeadlineModel == db.DeadlineModelMultipleCutOff && n > 1:
		return fmt.Sprintf("Cut-off %d of %d", i+1, n)
	case n > 1:
		return fmt.Sprintf("Deadline %d of %d", i+1, n)
	}
	return "Deadline"
}

func joinDates(ds []time.Time) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.Format(time.DateOnly)
	}
	return strings.Join(s, ", ")
}

// clean makes text fit an iCalendar TEXT value: the library escapes backslashes, commas, semicolons and
// newlines, but a carriage return or another control character has no escape and would break the line.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
