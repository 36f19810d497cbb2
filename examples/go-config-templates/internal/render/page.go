package render

// Page is what a template is given.
type Page struct{ Title string }
