package main

import (
	"flag"
	"html/template"
	"log"
	"net/http"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/acme/shop/internal/render"
)

type config struct {
	Listen    string `yaml:"listen"`
	Templates string `yaml:"templates"`
	Static    string `yaml:"static"`
}

func main() {
	path := flag.String("config", "config.yaml", "configuration file")
	flag.Parse()
	raw, err := os.ReadFile(*path)
	if err != nil {
		log.Fatal(err)
	}
	var c config
	if err := yaml.Unmarshal(raw, &c); err != nil {
		log.Fatal(err)
	}
	pages := template.Must(template.ParseGlob(c.Templates + "/*.html"))
	http.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir(c.Static))))
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		pages.ExecuteTemplate(w, "index.html", render.Page{Title: "Shop"})
	})
	log.Fatal(http.ListenAndServe(c.Listen, nil))
}
