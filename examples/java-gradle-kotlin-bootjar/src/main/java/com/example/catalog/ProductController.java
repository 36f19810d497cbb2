package com.example.catalog;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class ProductController {

    record Product(String sku, String name) {}

    @GetMapping("/products")
    public List<Product> products() {
        return List.of(new Product("A-100", "Notebook"), new Product("A-200", "Pencil"));
    }
}
