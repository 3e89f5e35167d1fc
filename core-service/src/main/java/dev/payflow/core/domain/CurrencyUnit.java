package dev.payflow.core.domain;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An ISO 4217 currency and the number of decimals its amounts have (USD 2, JPY 0, KWD 3), which
 * decides how amounts are parsed and formatted.
 */
public record CurrencyUnit(String code, int fractionDigits) {
    private static final Pattern CODE = Pattern.compile("[A-Z]{3}");

    /**
     * The currencies wallets may hold, with their ISO 4217 minor units, pinned here rather than read
     * from the JDK: a JDK upgrade must never change how stored minor units are read, and the JDK also
     * knows withdrawn currencies (DEM, HRK, ANG), funds (USN, CLF, BOV), metals and test codes,
     * which are not money a wallet holds. Written from ISO 4217 list one as of 2025 (156 codes,
     * checked against the JDK 17 data); add a currency here, with its minor units, to support it.
     */
    private static final Map<String, Integer> SUPPORTED = Stream.of((
            "AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BGN2 BHD3 BIF0 BMD2 "
            + "BND2 BOB2 BRL2 BSD2 BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 CHF2 CLP0 CNY2 COP2 CRC2 CUP2 "
            + "CVE2 CZK2 DJF0 DKK2 DOP2 DZD2 EGP2 ERN2 ETB2 EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 "
            + "GMD2 GNF0 GTQ2 GYD2 HKD2 HNL2 HTG2 HUF2 IDR2 ILS2 INR2 IQD3 IRR2 ISK0 JMD2 JOD3 "
            + "JPY0 KES2 KGS2 KHR2 KMF0 KPW2 KRW0 KWD3 KYD2 KZT2 LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 "
            + "MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 MOP2 MRU2 MUR2 MVR2 MWK2 MXN2 MYR2 MZN2 NAD2 NGN2 "
            + "NIO2 NOK2 NPR2 NZD2 OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 PYG0 QAR2 RON2 RSD2 RUB2 "
            + "RWF0 SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 SOS2 SRD2 SSP2 STN2 SVC2 SYP2 SZL2 "
            + "THB2 TJS2 TMT2 TND3 TOP2 TRY2 TTD2 TWD2 TZS2 UAH2 UGX0 USD2 UYU2 UZS2 VED2 VES2 "
            + "VND0 VUV0 WST2 XAF0 XCD2 XCG2 XOF0 XPF0 YER2 ZAR2 ZMW2 ZWG2 ").trim().split(" "))
            .collect(Collectors.toUnmodifiableMap(entry -> entry.substring(0, 3), entry -> Integer.parseInt(entry.substring(3))));

    public CurrencyUnit {
        Objects.requireNonNull(code, "code");
        if (fractionDigits < 0 || fractionDigits > 4) {
            throw new IllegalArgumentException("fractionDigits: " + fractionDigits + " (expected: 0..4)");
        }
    }

    /** The currency for an upper-case ISO 4217 code, or UNSUPPORTED_CURRENCY. */
    public static CurrencyUnit of(String code) {
        if (code == null || code.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "currency is required (expected: an ISO 4217 code such as USD)");
        }
        if (!CODE.matcher(code).matches()) {
            throw PayflowException.of(ErrorReason.UNSUPPORTED_CURRENCY,
                    "currency: %s (expected: a three-letter upper-case ISO 4217 code such as USD)", Strings.forMessage(code));
        }
        Integer digits = SUPPORTED.get(code);
        if (digits == null) {
            throw PayflowException.of(ErrorReason.UNSUPPORTED_CURRENCY, "currency: %s is not a currency wallets can hold", code);
        }
        return new CurrencyUnit(code, digits);
    }

    @Override
    public String toString() {
        return code;
    }
}
