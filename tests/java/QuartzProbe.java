import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Date;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * Reads lines `expression<TAB>zone<TAB>afterMillis<TAB>count` and answers, per line, what the real Quartz says:
 * `OK<TAB>t1<TAB>t2...` (the next fire times, ms since the epoch) or `ERR<TAB>message`. tests/quartz.test.ts runs it.
 */
public class QuartzProbe {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t");
            try {
                CronExpression cron = new CronExpression(parts[0]);
                cron.setTimeZone(TimeZone.getTimeZone(parts[1]));
                StringBuilder answer = new StringBuilder("OK");
                Date after = new Date(Long.parseLong(parts[2]));
                for (int index = 0; index < Integer.parseInt(parts[3]); index++) {
                    after = cron.getNextValidTimeAfter(after);
                    if (after == null) {
                        break;
                    }
                    answer.append('\t').append(after.getTime());
                }
                System.out.println(answer);
            } catch (Exception error) {
                System.out.println("ERR\t" + error.getMessage());
            }
        }
    }
}
