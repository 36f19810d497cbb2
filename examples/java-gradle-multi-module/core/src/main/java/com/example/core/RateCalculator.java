package com.example.core;

public final class RateCalculator {

    private static final long BASE_CENTS = 499;
    private static final long PER_KG_CENTS = 120;

    private RateCalculator() {
    }

    public static long quoteCents(double weightKg) {
        if (weightKg <= 0) {
            throw new IllegalArgumentException("weight must be positive");
        }
        return BASE_CENTS + Math.round(Math.ceil(weightKg) * PER_KG_CENTS);
    }
}
