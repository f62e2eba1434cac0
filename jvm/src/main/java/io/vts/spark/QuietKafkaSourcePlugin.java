package io.vts.spark;

import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Raises the Kafka source's consumer logger to ERROR on every executor (spark.plugins).
 *
 * <p>Spark 3.5's KafkaDataConsumer logs a WARN for every record it fetches on a thread that
 * is not an UninterruptibleThread. The streaming job's Python stage (mapInArrow) reads Kafka
 * on its input writer thread, which is not one, so without this every record costs a log
 * line: a fifth of that thread's time, and on AWS Glue one CloudWatch Logs line per event.
 * An executor plugin is Spark's way to run code in each executor as it starts, whatever
 * logging configuration the platform gives it. The consumer's errors still get through.
 */
public final class QuietKafkaSourcePlugin implements SparkPlugin {
  static final String LOGGER = "org.apache.spark.sql.kafka010.consumer.KafkaDataConsumer";

  @Override
  public DriverPlugin driverPlugin() {
    return null; // the Kafka source reads records only in executors
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext context, Map<String, String> extraConf) {
        try {
          Configurator.setLevel(LOGGER, Level.ERROR);
        } catch (LinkageError | RuntimeException e) {
          // Never stop an executor over a log level: say so once and run as before.
          System.err.println("vts: could not raise " + LOGGER + " to ERROR: " + e);
        }
      }
    };
  }
}
