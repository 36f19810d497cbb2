package com.example.app;

import java.util.Map;

import com.example.core.RateCalculator;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class ShippingApplication {

    @GetMapping("/quote")
    public Map<String, Object> quote(@RequestParam double weightKg) {
        return Map.of("weightKg", weightKg, "priceCents", RateCalculator.quoteCents(weightKg));
    }

    public static void main(String[] args) {
        SpringApplication.run(ShippingApplication.class, args);
    }
}
