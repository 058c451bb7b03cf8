package db

import "context"

// Pages and counts of the lists that hang off a parent (member.bestPractices, theme.digitalTools ...),
// for many parents in one statement each. The per-request dataloaders call these.

func relationSpec(s *listSpec, parents map[string]*parentSpec, relation string) *listSpec {
	s.parent = parents[relation]
	if s.parent == nil {
		panic("db: unknown relation " + relation)
	}
	return s
}

func (d *DB) BestPracticePages(ctx context.Context, relation string, parents []string, page PageArgs, f *BestPracticeFilter, o *BestPracticeOrder) (map[string]*Page[*BestPractice], error) {
	return fetchPages[BestPractice](ctx, d.q, relationSpec(d.practiceList(ctx, f, o), practiceParents, relation), page, parents)
}

func (d *DB) BestPracticeCounts(ctx context.Context, relation string, parents []string, f *BestPracticeFilter) (map[string]int, error) {
	return fetchCounts(ctx, d.q, relationSpec(d.practiceList(ctx, f, nil), practiceParents, relation), parents)
}

func (d *DB) MemberPages(ctx context.Context, relation string, parents []string, page PageArgs, f *MemberFilter, o *MemberOrder) (map[string]*Page[*Member], error) {
	return fetchPages[Member](ctx, d.q, relationSpec(memberList(ctx, f, o), memberParents, relation), page, parents)
}

func (d *DB) MemberCounts(ctx context.Context, relation string, parents []string, f *MemberFilter) (map[string]int, error) {
	return fetchCounts(ctx, d.q, relationSpec(memberList(ctx, f, nil), memberParents, relation), parents)
}

func (d *DB) DigitalToolPages(ctx context.Context, relation string, parents []string, page PageArgs, f *DigitalToolFilter, o *DigitalToolOrder) (map[string]*Page[*DigitalTool], error) {
	return fetchPages[DigitalTool](ctx, d.q, relationSpec(toolList(ctx, f, o), toolParents, relation), page, parents)
}

func (d *DB) DigitalToolCounts(ctx context.Context, relation string, parents []string, f *DigitalToolFilter) (map[string]int, error) {
	return fetchCounts(ctx, d.q, relationSpec(toolList(ctx, f, nil), toolParents, relation), parents)
}

func (d *DB) FundingOpportunityPages(ctx context.Context, relation string, parents []string, page PageArgs, f *FundingOpportunityFilter, o *FundingOpportunityOrder) (map[string]*Page[*FundingOpportunity], error) {
	return fetchPages[FundingOpportunity](ctx, d.q, relationSpec(d.fundingList(f, o), fundingParents, relation), page, parents)
}

func (d *DB) FundingOpportunityCounts(ctx context.Context, relation string, parents []string, f *FundingOpportunityFilter) (map[string]int, error) {
	return fetchCounts(ctx, d.q, relationSpec(d.fundingList(f, nil), fundingParents, relation), parents)
}

// WithCount returns a copy of the page whose total count comes from fn.
func (p *Page[T]) WithCount(fn func(ctx context.Context) (int, error)) *Page[T] {
	c := *p
	c.countFn = fn
	return &c
}
