package com.example.inventory;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class InventoryApplication {

    private final Map<String, Integer> stock = Map.of("apple", 12, "pear", 4);

    @GetMapping("/items/{name}")
    public Map<String, Object> item(@PathVariable String name) {
        return Map.of("name", name, "quantity", stock.getOrDefault(name, 0));
    }

    public static void main(String[] args) {
        SpringApplication.run(InventoryApplication.class, args);
    }
}
