package dev.payflow.facade;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.common.HttpRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Serves the OpenAPI document the build generated ({@link OpenApiGenerator#RESOURCE}) at {@link
 * OpenApiGenerator#PATH}, with no credential: it describes the API and reads nothing of anyone's.
 * The document is read once; a jar without it fails at start-up, not on the first request.
 */
final class OpenApiService implements HttpService {

  private final byte[] document;
  private final RequestIds requestIds;

  OpenApiService(RequestIds requestIds) {
    this.requestIds = Objects.requireNonNull(requestIds, "requestIds");
    try (InputStream in =
        OpenApiService.class.getClassLoader().getResourceAsStream(OpenApiGenerator.RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            OpenApiGenerator.RESOURCE + " is not on the class path (the build generates it)");
      }
      this.document = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + OpenApiGenerator.RESOURCE, e);
    }
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    String requestId = requestIds.fromHeaderOrNew(req.headers().get(RequestChecks.REQUEST_ID_HEADER));
    ctx.setAttr(RequestChecks.REQUEST_ID, requestId);
    return HttpResponse.of(
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(MediaType.JSON)
            .set(RequestChecks.REQUEST_ID_HEADER, requestId)
            .build(),
        com.linecorp.armeria.common.HttpData.wrap(document));
  }
}
