package lucid.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Ctrl-C (SIGINT) handled by the program instead of ending the JVM, through the JDK's
 * {@code sun.misc.Signal} (module jdk.unsupported), looked up reflectively so that a JDK without
 * it, or a JVM run with {@code -Xrs}, simply keeps the default: Ctrl-C ends the program.
 * {@link #close} puts the previous handler back.
 */
final class CtrlC implements AutoCloseable {
    private final Method handle;
    private final Object signal;
    private final Object previous;

    private CtrlC(Method handle, Object signal, Object previous) {
        this.handle = handle;
        this.signal = signal;
        this.previous = previous;
    }

    /** Runs {@code action} (on a JVM signal thread) at each Ctrl-C; null when the platform does not allow it. */
    static CtrlC install(Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("INT");
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "lucid Ctrl-C handler";
                        default -> null;
                    });
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Object previous = handle.invoke(null, signal, handler);
            return new CtrlC(handle, signal, previous);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no sun.misc.Signal, or SIGINT is reserved (-Xrs) or ignored: Ctrl-C keeps its default
            return null;
        }
    }

    @Override
    public void close() {
        try {
            handle.invoke(null, signal, previous);
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            // the JVM is going down, or the handler cannot be restored: nothing more to do
        }
    }
}
