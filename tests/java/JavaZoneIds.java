import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Prints `java.time.ZoneId.getAvailableZoneIds()`, sorted, one a line: config/javaZoneIds.json. tests/config/timeZones.test.ts runs it. */
public class JavaZoneIds {
    public static void main(String[] args) {
        List<String> ids = new ArrayList<>(ZoneId.getAvailableZoneIds());
        Collections.sort(ids);
        for (String id : ids) {
            System.out.println(id);
        }
    }
}
