package hubtest

// SearchHit is one edge of a search result.
type SearchHit struct {
	Cursor string `json:"cursor"`
	Score  float64
	Node   struct {
		Typename string `json:"__typename"`
		ID       string
		Slug     string
		Title    string
		Status   string
	}
	Highlights []struct {
		Field     string
		Language  string
		Fragments []string
	}
}

// SearchResult is the data of a search query.
type SearchResult struct {
	Search struct {
		TotalCount int
		TookMs     float64
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges  []SearchHit
		Facets []struct {
			Field   string
			Buckets []struct {
				Value string
				Count int
			}
		}
	}
}

// SearchQuery asks for a page of hits with their highlights and facets; $q is the query.
const SearchQuery = `query($q: String!, $types: [SearchType!], $filter: SearchFilter, $language: String, $first: Int, $after: String) {
	search(query: $q, types: $types, filter: $filter, language: $language, first: $first, after: $after) {
		totalCount tookMs pageInfo { hasNextPage endCursor }
		edges { cursor score highlights { field language fragments }
			node { __typename id ... on BestPractice { slug title status } ... on DigitalTool { slug }
				... on Member { slug } ... on FundingOpportunity { title } } }
		facets { field buckets { value count } } } }`

// Search runs SearchQuery for q, with more variables in vars.
func (h *Hub) Search(q string, vars map[string]any) SearchResult {
	h.T.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["q"] = q
	var r SearchResult
	h.Query(SearchQuery, vars, &r)
	return r
}

// Facet is the buckets of one facet, by value.
func (r SearchResult) Facet(field string) map[string]int {
	out := map[string]int{}
	for _, f := range r.Search.Facets {
		if f.Field == field {
			for _, b := range f.Buckets {
				out[b.Value] = b.Count
			}
		}
	}
	return out
}

// Slugs lists the hits' slugs in order.
func (r SearchResult) Slugs() []string {
	var out []string
	for _, e := range r.Search.Edges {
		out = append(out, e.Node.Slug)
	}
	return out
}
