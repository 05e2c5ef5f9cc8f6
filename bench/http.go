package main

// This file holds the HTTP client of the benchmark and what it learns of the mock's data.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/membersmock/membersmock/mockserver"
)

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func get(url string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("ET-Client-Name", clientName)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// population is what the load needs to know of the mock's data.
type population struct {
	programs []programRange
}

type programRange struct {
	id, first, count, frequent int64
}

func discover(base string) (population, error) {
	var cat mockserver.Catalog
	b, err := get(base + "/__mock/catalog")
	if err != nil {
		return population{}, err
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		return population{}, fmt.Errorf("reading the catalog: %w", err)
	}
	var pop population
	for _, p := range cat.Programs {
		b, err := get(fmt.Sprintf("%s/v1/programs/%d/members?perPage=1", base, p.ID))
		if err != nil {
			return pop, err
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &page); err != nil || len(page.Items) != 1 {
			return pop, fmt.Errorf("reading the first member of program %d: %v", p.ID, err)
		}
		pop.programs = append(pop.programs, programRange{id: p.ID, first: page.Items[0].ID, count: p.Members, frequent: p.Personas.Frequent})
	}
	if len(pop.programs) == 0 {
		return pop, errors.New("the catalog lists no program")
	}
	return pop, nil
}
