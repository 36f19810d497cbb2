package main

import (
	"database/sql"
	"flag"
	"log"
	"net/http"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	path := flag.String("db", "notes.db", "database file")
	flag.Parse()
	db, err := sql.Open("sqlite3", *path)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS notes (body TEXT)"); err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(":8000", nil))
}
